#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum FileKind: Sendable, Equatable {
    case regular, directory, symlink, other, missing
}

public enum FileIO {
    /// Microcode files are kilobytes; anything this large is not one, and
    /// reading it whole would only let a hostile file exhaust memory.
    public static let defaultReadLimit = 64 << 20

    /// Reads a whole regular file with plain read(2): one allocation, one
    /// copy from the kernel.
    public static func read(_ path: String, limit: Int = defaultReadLimit) throws(FileError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO named as an input would otherwise wait
        // for a writer forever; it is refused as not a regular file below.
        // On regular files (and /proc, /sys) the flag changes nothing.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(path, .open) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .errno(path, .stat) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path: path, .notRegularFile)
        }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw FileError(path: path, .tooLarge(size: size, limit: limit))
        }
        // One allocation of the file's size (plus a byte to notice growth),
        // filled by read(2) without zeroing it first.
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            count = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), failure: &failure)
        }
        if failure != 0 { throw .errno(path, .read, failure) }
        guard bytes.count == size + 1 else { return bytes }
        // More than fstat said: a /proc file (size 0) or a file that grew.
        // Go on in chunks to EOF, within the limit.
        while true {
            var chunk = [UInt8](unsafeUninitializedCapacity: 64 << 10) { buffer, count in
                count = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), failure: &failure)
            }
            if failure != 0 { throw .errno(path, .read, failure) }
            let full = chunk.count == 64 << 10
            bytes.append(contentsOf: chunk)
            chunk = []
            guard bytes.count <= limit else {
                throw FileError(path: path, .moreThanLimit(limit: limit))
            }
            if !full { return bytes }
        }
    }

    /// read(2) until the buffer is full or EOF; returns the bytes read.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, failure: inout Int32) -> Int {
        fill(buffer, failure: &failure) { start, count, _ in Glibc.read(fd, start, count) }
    }

    /// pread(2) until the buffer is full or EOF; returns the bytes read.
    static func preadFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, failure: inout Int32) -> Int {
        fill(buffer, failure: &failure) { start, count, done in pread(fd, start, count, off_t(offset + done)) }
    }

    /// Calls `read` (given where to put bytes, how many, and how many are
    /// in already) until the buffer is full or it reads 0 (EOF), again
    /// after EINTR; returns the bytes read, with `failure` the errno of a
    /// failed call.
    private static func fill(
        _ buffer: UnsafeMutableRawBufferPointer, failure: inout Int32, _ read: (UnsafeMutableRawPointer, Int, Int) -> Int
    ) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var count = 0
        while count < buffer.count {
            let got = read(base + count, buffer.count - count, count)
            if got < 0 {
                if errno == EINTR { continue }
                failure = errno
                return count
            }
            if got == 0 { break }
            count += got
        }
        return count
    }

    /// What is at `path`, without following a final symlink.
    public static func kind(_ path: String) -> FileKind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// What `path` resolves to, following symlinks.
    public static func resolvedKind(_ path: String) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Names in a directory, sorted bytewise so every run sees one order.
    public static func entries(of directory: String) throws(FileError) -> [String] {
        try listing(of: directory).map(\.name)
    }

    /// One entry of a directory listing.
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// What readdir says the entry is, without a stat: `.regular`,
        /// `.directory`, `.symlink`, `.other`, or nil where the file system
        /// does not say (DT_UNKNOWN), so the caller must look.
        public var kind: FileKind?
    }

    /// A directory's entries with their kinds, sorted bytewise by name.
    public static func listing(of directory: String) throws(FileError) -> [Entry] {
        guard let dir = opendir(directory) else { throw .errno(directory, .openDirectory) }
        defer { closedir(dir) }
        var entries: [Entry] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != "." && name != ".." else { continue }
            let kind: FileKind?
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .regular
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = nil
            default: kind = .other
            }
            entries.append(Entry(name: name, kind: kind))
        }
        // Byte order, each name's bytes taken once: copying both names for
        // each comparison was 2.2M instructions for Debian's 126 Intel
        // files, comparing String.utf8 views 0.8M.
        return entries.map { (key: Array($0.name.utf8), entry: $0) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map(\.entry)
    }
}

/// Where bytes go: a file descriptor or memory.
public protocol ByteSink {
    /// What errors name: the file (or "standard output", "memory").
    var path: String { get }
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileError)
}

extension ByteSink {
    public mutating func write(_ bytes: ArraySlice<UInt8>) throws(FileError) {
        var failure: FileError?
        bytes.withUnsafeBytes { raw in
            do throws(FileError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

public struct MemorySink: ByteSink {
    public var bytes: [UInt8] = []
    public var path: String { "memory" }
    public init() {}
    public mutating func write(_ raw: UnsafeRawBufferPointer) throws(FileError) {
        bytes.append(contentsOf: raw)
    }
}

public struct DescriptorSink: ByteSink {
    public let fd: Int32
    public let path: String
    public init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    public mutating func write(_ raw: UnsafeRawBufferPointer) throws(FileError) {
        guard var base = raw.baseAddress else { return }
        var left = raw.count
        while left > 0 {
            let done = Glibc.write(fd, base, left)
            if done < 0 {
                if errno == EINTR { continue }
                throw .errno(path, .write)
            }
            base += done
            left -= done
        }
    }
}

extension FileIO {
    /// A regular file open for reading, with the status of its descriptor.
    public struct OpenFile: Sendable {
        public var path: String
        public var fd: Int32
        public var status: stat
        public var size: Int { Int(status.st_size) }
    }

    /// Opens files (in parallel unless told not to), each checked to be a
    /// regular file within `limit` bytes (a FIFO never hangs the open:
    /// O_NONBLOCK, as in `read(_:limit:)`). The caller closes what opened
    /// (`closeAll`).
    public static func openMany(_ paths: [String], parallel: Bool = true, limit: Int = defaultReadLimit) -> [Result<OpenFile, FileError>] {
        ParallelMap.map(paths, parallel: parallel) { path in
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return .failure(.errno(path, .open)) }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                let failure = FileError.errno(path, .stat)
                close(fd)
                return .failure(failure)
            }
            let size = Int(info.st_size)
            if (info.st_mode & S_IFMT) != S_IFREG || size > limit {
                close(fd)
                return .failure(FileError(path: path, size > limit ? .tooLarge(size: size, limit: limit) : .notRegularFile))
            }
            return .success(OpenFile(path: path, fd: fd, status: info))
        }
    }

    public static func closeAll(_ files: [Result<OpenFile, FileError>]) {
        for case .success(let file) in files { close(file.fd) }
    }

    /// Exactly `count` bytes at `offset` of an open file; a short read
    /// means the file shrank after fstat.
    public static func read(_ file: OpenFile, count: Int, at offset: Int) throws(FileError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, got in
            got = preadFully(file.fd, into: UnsafeMutableRawBufferPointer(buffer), at: offset, failure: &failure)
        }
        if failure != 0 { throw .errno(file.path, .read, failure) }
        guard bytes.count == count else { throw FileError(path: file.path, .shrankWhileRead) }
        return bytes
    }

    /// Open files read whole, in parallel, into one allocation, each at its
    /// own range (or why it could not be read). One allocation (backed by
    /// huge pages where the kernel allows) costs a few page faults instead
    /// of one per 4 KiB, and one free at the end: for a firmware folder of
    /// 20 MB that is most of the time spent outside the copy itself.
    public static func readAll(_ opened: [Result<OpenFile, FileError>]) -> (buffer: [UInt8], results: [Result<Range<Int>, FileError>]) {
        var offsets: [Int] = []
        var total = 0
        for result in opened {
            offsets.append(total)
            if case .success(let file) = result { total += file.size }
        }
        var results: [Result<Range<Int>, FileError>] = []
        let starts = offsets
        let buffer = [UInt8](unsafeUninitializedCapacity: total) { raw, count in
            adviseHugePages(UnsafeMutableRawBufferPointer(raw))
            nonisolated(unsafe) let base = UnsafeMutableRawBufferPointer(raw)
            results = ParallelMap.map(Array(opened.indices)) { index -> Result<Range<Int>, FileError> in
                let file: OpenFile
                switch opened[index] {
                case .failure(let error): return .failure(error)
                case .success(let opened): file = opened
                }
                let region = UnsafeMutableRawBufferPointer(rebasing: base[starts[index]..<(starts[index] + file.size)])
                var failure: Int32 = 0
                let got = preadFully(file.fd, into: region, at: 0, failure: &failure)
                var extra: UInt8 = 0
                let more = got == file.size && failure == 0 ? pread(file.fd, &extra, 1, off_t(file.size)) : 0
                guard failure == 0, got == file.size, more == 0 else {
                    // Never leave uninitialised bytes behind, even in a region nobody will parse.
                    region.initializeMemory(as: UInt8.self, repeating: 0)
                    if failure != 0 { return .failure(.errno(file.path, .read, failure)) }
                    return .failure(FileError(path: file.path, got < file.size ? .shrankWhileRead : .grewWhileRead))
                }
                return .success(starts[index]..<(starts[index] + file.size))
            }
            count = total
        }
        return (buffer, results)
    }

    private static func adviseHugePages(_ region: UnsafeMutableRawBufferPointer) {
        let huge = 2 << 20
        guard region.count >= 2 * huge, let start = region.baseAddress else { return }
        let base = UInt(bitPattern: start)
        let aligned = (base + UInt(huge) - 1) & ~UInt(huge - 1)
        let end = (base + UInt(region.count)) & ~UInt(huge - 1)
        guard end > aligned, let pointer = UnsafeMutableRawPointer(bitPattern: aligned) else { return }
        _ = madvise(pointer, Int(end - aligned), MADV_HUGEPAGE)
    }
}
