#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to read or write a file, with the system's reason.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    static func errno(_ path: String, _ action: String, _ code: Int32 = Glibc.errno) -> FileError {
        FileError(path: path, reason: "\(action): \(String(cString: strerror(code)))")
    }

    public var description: String { "\(path): \(reason)" }
}

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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(path, "cannot open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .errno(path, "cannot stat") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw FileError(path: path, reason: "file is \(size) bytes, more than the \(limit) this input may have")
        }
        // /proc files report size 0: read in chunks until EOF. Otherwise one
        // allocation of the right size (and one spare byte to see growth).
        var bytes: [UInt8] = []
        var capacity = size > 0 ? size + 1 : 64 << 10
        while true {
            let start = bytes.count
            let room = capacity - start
            var failure: Int32 = 0
            var got = 0
            bytes.append(contentsOf: repeatElement(0, count: room))
            bytes.withUnsafeMutableBytes { raw in
                while got < room {
                    let n = Glibc.read(fd, raw.baseAddress! + start + got, room - got)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    if n == 0 { return }
                    got += n
                }
            }
            bytes.removeLast(room - got)
            if failure != 0 { throw .errno(path, "cannot read", failure) }
            if got < room { break }
            guard bytes.count <= limit else {
                throw FileError(path: path, reason: "more than the \(limit) bytes this input may have")
            }
            capacity = Swift.min(capacity * 2, limit + 1)
        }
        return bytes
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
        guard let dir = opendir(directory) else { throw .errno(directory, "cannot open directory") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}

/// Where bytes go: a file descriptor or memory.
public protocol ByteSink {
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
                throw .errno(path, "cannot write")
            }
            base += done
            left -= done
        }
    }
}
