#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A large file read piece by piece with pread(2). A boot image can be
/// 100 MB; only its front and the microcode in it are ever looked at, and
/// the rest is copied through a small buffer, never held whole.
public final class ImageFile {
    public let path: String
    public let size: Int
    let fd: Int32
    private let identity: FileIdentity

    /// Reads near each other (cpio headers, names) are served from one
    /// window instead of a system call each.
    private(set) var window: [UInt8] = []
    private(set) var windowStart = 0
    static let windowSize = 64 << 10
    /// Bytes fetched from the file so far: what "reading stops at the end
    /// of the early part" means, measurably.
    public private(set) var bytesRead = 0
    static let copyChunk = 1 << 20

    /// How the bytes read are laid out in the file: empty for the file
    /// itself; otherwise the view is these pieces one after another
    /// (ImageFileSegments.swift: a unified kernel image's `.ucode` and
    /// `.initrd` sections as systemd-stub hands them to Linux).
    let segments: [ImageSegment]

    /// `segments`: read a view of pieces of the file instead of the file
    /// (each must lie inside it); `size` is then the view's.
    public init(path: String, segments: [ImageSegment] = []) throws(InputError) {
        self.path = path
        // O_NONBLOCK: a FIFO given as the image must be refused below (not
        // a regular file), not waited on; for regular files it changes nothing.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(path: path, .file(.system(.open, errno: errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw InputError(path: path, .file(.system(.stat, errno: code)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw InputError(path: path, .file(.notRegularFile))
        }
        let fileSize = Int(info.st_size)
        if let outside = segments.first(where: { !$0.fits(fileSize: fileSize) }), case .file(let range) = outside {
            close(fd)
            throw InputError(path: path, offset: range.lowerBound, .image(.copyRangeOutside(range, size: fileSize)))
        }
        self.fd = fd
        self.segments = segments
        self.size = segments.isEmpty ? fileSize : segments.reduce(0) { $0 + $1.count }
        self.identity = FileIdentity(info)
    }

    deinit { close(fd) }

    /// True while `path` still names the file that was opened, unmodified.
    /// Another tool (update-initramfs) may replace an image while we read it.
    public var isUnchangedOnDisk: Bool {
        var now = stat()
        guard stat(path, &now) == 0 else { return false }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { return false }
        return FileIdentity(now) == identity && FileIdentity(opened) == identity
    }

    /// `count` bytes at `offset`; fewer only where the file ends.
    public func read(at offset: Int, count: Int) throws(InputError) -> [UInt8] {
        guard offset >= 0, count >= 0 else { throw InputError(path: path, offset: offset, .image(.readOutsideFile)) }
        let wanted = max(0, min(count, size - offset))
        if wanted == 0 { return [] }
        if offset >= windowStart, offset + wanted <= windowStart + window.count {
            let start = offset - windowStart
            return Array(window[start..<(start + wanted)])
        }
        if wanted <= Self.windowSize {
            try fillWindow(at: offset)
            let available = min(wanted, window.count)
            return Array(window[0..<available])
        }
        return try readDirect(at: offset, count: wanted)
    }

    /// The byte at `offset`, or nil past the end.
    public func byte(at offset: Int) throws(InputError) -> UInt8? {
        guard offset >= 0, offset < size else { return nil }
        if offset < windowStart || offset >= windowStart + window.count { try fillWindow(at: offset) }
        let index = offset - windowStart
        return index < window.count ? window[index] : nil
    }

    func fillWindow(at offset: Int) throws(InputError) {
        window = try readDirect(at: offset, count: min(Self.windowSize, size - offset))
        windowStart = offset
    }

    private func readDirect(at offset: Int, count: Int) throws(InputError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = preadView(into: UnsafeMutableRawBufferPointer(buffer), at: offset, failure: &failure)
        }
        if failure != 0 {
            throw InputError(path: path, offset: offset, .file(.system(.read, errno: failure)))
        }
        bytesRead += bytes.count
        return bytes
    }

    /// For readers that fill their own buffers (libarchive's callback).
    func readDirect(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var failure: Int32 = 0
        let count = preadView(into: buffer, at: offset, failure: &failure)
        bytesRead += count
        return failure == 0 ? count : nil
    }

    /// Copies `range` of this file to the current position of `output` (a
    /// file, advanced by what was copied) inside the kernel, with
    /// copy_file_range(2): the bytes never pass through this process, and
    /// a file system that can share blocks (btrfs, XFS) shares them. False,
    /// with nothing copied, where the kernel will not: a view of pieces
    /// (`segments`), two file systems of different types (EXDEV, Linux
    /// 5.19 and later), a file system or kernel without it. The caller then
    /// copies through memory.
    func copyInKernel(_ range: Range<Int>, to output: Int32, outputPath: String) throws(InputError) -> Bool {
        guard segments.isEmpty else { return false }
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw InputError(path: path, offset: range.lowerBound, .image(.copyRangeOutside(range, size: size)))
        }
        var offset = off_t(range.lowerBound)
        while offset < off_t(range.upperBound) {
            let done = copy_file_range(fd, &offset, output, nil, min(Self.copyChunk * 64, range.upperBound - Int(offset)), 0)
            if done < 0 {
                let code = errno
                if code == EINTR { continue }
                if Int(offset) == range.lowerBound, [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP, EBADF].contains(code) { return false }
                throw InputError(FileError.errno(outputPath, .write, code))
            }
            guard done > 0 else { throw InputError(path: path, offset: Int(offset), .file(.shrankWhileCopied)) }
        }
        return true
    }

    /// Streams `range` of this file to `sink` through one reused buffer.
    public func copy<S: ByteSink>(_ range: Range<Int>, to sink: inout S) throws {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw InputError(path: path, offset: range.lowerBound, .image(.copyRangeOutside(range, size: size)))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.copyChunk, alignment: 4096)
        defer { buffer.deallocate() }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let count = min(Self.copyChunk, range.upperBound - offset)
            var failure: Int32 = 0
            let got = preadView(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: offset, failure: &failure)
            if failure != 0 {
                throw InputError(path: path, offset: offset, .file(.system(.read, errno: failure)))
            }
            guard got == count else {
                throw InputError(path: path, offset: offset + got, .file(.shrankWhileCopied))
            }
            bytesRead += count
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += count
        }
    }
}

