#if canImport(Glibc)
import Glibc
#endif

/// The one way early-ucode replaces a file: under a lock, through a
/// temporary file in the same directory, synced, renamed into place, with
/// the directory synced after. Whatever happens, `path` holds either the
/// old file or the new one, whole.
public enum AtomicFile {
    public struct Options: Sendable {
        /// Mode for a new file; an existing file keeps its own.
        public var mode: mode_t = 0o644
        /// Keep the replaced file under this name (a hard link, so the old
        /// bytes are never copied or rewritten).
        public var backupPath: String?

        public init(mode: mode_t = 0o644, backupPath: String? = nil) {
            self.mode = mode
            self.backupPath = backupPath
        }
    }

    /// The temporary file for `path`, visible to administrators so a crash
    /// leaves something they can recognise.
    public static func temporaryPath(for path: String) -> String { path + ".tmp" }

    public static func lockPath(for path: String) -> String {
        let (dir, base) = Path.split(path)
        return Path.join(dir, "." + base + ".lock")
    }

    public static func write(
        to path: String,
        options: Options = Options(),
        _ body: (inout DescriptorSink) throws -> Void
    ) throws {
        let existing = try checkTarget(path)
        let lock = try FileLock(path: lockPath(for: path))
        defer { lock.release() }

        let temporary = temporaryPath(for: path)
        // Under the lock nobody else owns the temporary name: what is there
        // is left by an interrupted run.
        if unlink(temporary) != 0 && errno != ENOENT {
            throw FileError.errno(temporary, .removeStaleTemporary)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, existing?.mode ?? options.mode)
        guard fd >= 0 else { throw FileError.errno(temporary, .create) }
        var committed = false
        var closed = false
        defer {
            if !closed { close(fd) }
            if !committed { unlink(temporary) }
        }

        var sink = DescriptorSink(fd: fd, path: temporary)
        try body(&sink)
        if let existing, fchmod(fd, existing.mode) != 0 { throw FileError.errno(temporary, .setMode) }
        if existing == nil, fchmod(fd, options.mode) != 0 { throw FileError.errno(temporary, .setMode) }
        guard fsync(fd) == 0 else { throw FileError.errno(temporary, .sync) }
        closed = true
        guard close(fd) == 0 else { throw FileError.errno(temporary, .close) }

        if let backup = options.backupPath, existing != nil {
            try replaceBackup(of: path, with: backup)
        }
        guard rename(temporary, path) == 0 else { throw FileError.errno(path, .rename(from: temporary)) }
        committed = true
        syncDirectory(of: path)
    }

    /// Removes `path` and its lock file, holding the lock: a run that was
    /// waiting for it starts again on a new lock file (FileLock), so
    /// writers still take turns, and early-ucode leaves nothing behind.
    public static func remove(_ path: String) throws(FileError) {
        try removingLock(of: path) { () throws(FileError) in
            guard unlink(path) == 0 else { throw .errno(path, .remove) }
        }
    }

    /// Removes the lock file of `path`, which stays (a configuration that
    /// disable restored), holding the lock as `remove` does.
    public static func removeLock(for path: String) throws(FileError) {
        try removingLock(of: path) {}
    }

    /// Runs `body` holding `path`'s lock, then removes the lock file
    /// (whether `body` failed or not) before letting the lock go.
    private static func removingLock(of path: String, _ body: () throws(FileError) -> Void) throws(FileError) {
        let lockFile = lockPath(for: path)
        let lock = try FileLock(path: lockFile)
        defer {
            _ = unlink(lockFile)
            lock.release()
        }
        try body()
    }

    private struct Existing { var mode: mode_t }

    /// Refuses targets early-ucode must never write through.
    private static func checkTarget(_ path: String) throws(FileError) -> Existing? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw .errno(path, .stat)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Existing(mode: info.st_mode & 0o7777)
        case S_IFLNK: throw FileError(path: path, .symbolicLinkTarget)
        default: throw FileError(path: path, .existsNotRegular)
        }
    }

    /// Points `backup` at the current file: a new hard link renamed over the
    /// old backup, so a crash leaves either backup whole.
    private static func replaceBackup(of path: String, with backup: String) throws(FileError) {
        let staging = backup + ".tmp"
        if unlink(staging) != 0 && errno != ENOENT { throw .errno(staging, .removeStale) }
        guard link(path, staging) == 0 else { throw .errno(staging, .linkBackup(of: path)) }
        guard rename(staging, backup) == 0 else {
            unlink(staging)
            throw .errno(backup, .renameBackup)
        }
    }

    private static func syncDirectory(of path: String) {
        let fd = open(Path.split(path).directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// An exclusive flock(2) held until released or the process dies, so
/// two runs on one output serialize and a killed run never leaves it held.
///
/// A lock file may be removed (AtomicFile.remove, under the lock) while
/// another run waits on it: that run then holds a lock on a name nobody
/// opens any more, so after flock it checks that the name still leads to
/// the file it locked, and starts again if not.
public final class FileLock {
    private var fd: Int32

    public init(path: String) throws(FileError) {
        while true {
            // O_NONBLOCK: a FIFO planted at the lock's name must not hang the
            // open; it is refused below with anything else not a plain file.
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .errno(path, .openLock) }
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                close(fd)
                throw FileError(path: path, .lockNotRegular)
            }
            while flock(fd, LOCK_EX) != 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw .errno(path, .lock, code)
            }
            var now = stat()
            if lstat(path, &now) == 0, now.st_dev == info.st_dev, now.st_ino == info.st_ino {
                self.fd = fd
                return
            }
            close(fd)
        }
    }

    public func release() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}

public enum Path {
    public static func split(_ path: String) -> (directory: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = path[..<slash]
        return (dir.isEmpty ? "/" : String(dir), String(path[path.index(after: slash)...]))
    }

    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
