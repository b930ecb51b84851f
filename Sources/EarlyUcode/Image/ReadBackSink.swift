#if canImport(Glibc)
import Glibc
#endif

/// The rebuilt image's sink: counts what is written and reads each write
/// back from the file, through a descriptor of its own, before going on.
/// That every byte landed as written is then checked with one more read of
/// the new image, while its pages are still cached, instead of a read of
/// both the new image and the old one after the whole copy.
///
/// Ranges of the old image copied as they are (`copy`) go through the
/// kernel instead where it can (copy_file_range): then both ends of the
/// range are compared with the old image, which shows the copy came from
/// and went to the right place; its middle is the kernel's copy of a file,
/// not bytes this process made.
struct ReadBackSink: ByteSink {
    private var inner: DescriptorSink
    private let readFD: Int32
    private let scratch: UnsafeMutableRawBufferPointer
    /// Bytes written so far: where the next write lands (a copy that wrote
    /// for it, as libarchive's writer does, moves it on by what it wrote).
    var count = 0

    var path: String { inner.path }

    /// Runs `body` with a sink over `sink`'s file (which must be empty).
    static func over<Result>(_ sink: DescriptorSink, _ body: (inout ReadBackSink) throws -> Result) throws -> Result {
        let fd = open(sink.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.errno(sink.path, .open) }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: ImageFile.copyChunk, alignment: 4096)
        defer {
            scratch.deallocate()
            close(fd)
        }
        var readBack = ReadBackSink(inner: sink, readFD: fd, scratch: scratch)
        return try body(&readBack)
    }

    private init(inner: DescriptorSink, readFD: Int32, scratch: UnsafeMutableRawBufferPointer) {
        self.inner = inner
        self.readFD = readFD
        self.scratch = scratch
    }

    /// `range` of `file`, copied as it is: inside the kernel where it can
    /// be (`ImageFile.copyInKernel`; both ends compared; true), else
    /// through memory, every byte read back (false).
    @discardableResult
    mutating func copy(_ range: Range<Int>, from file: ImageFile) throws -> Bool {
        guard try file.copyInKernel(range, to: inner.fd, outputPath: path) else {
            try file.copy(range, to: &self)
            return false
        }
        // 64 KiB at each end: a misplaced copy differs there.
        let end = min(range.count, 64 << 10)
        for (source, target) in [(range.lowerBound, count), (range.upperBound - end, count + range.count - end)] where end > 0 {
            let expected = try file.read(at: source, count: end)
            var failure: Int32 = 0
            let got = FileIO.preadFully(readFD, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<end]), at: target, failure: &failure)
            if failure != 0 { throw FileError.errno(path, .read, failure) }
            let same = expected.withUnsafeBytes { read in
                guard let read = read.baseAddress, let back = scratch.baseAddress else { return end == 0 }
                return memcmp(read, back, end) == 0
            }
            guard got == end, expected.count == end, same else {
                let first = (0..<min(got, expected.count)).first { scratch[$0] != expected[$0] } ?? min(got, expected.count)
                throw FileError(path: path, .readBackDiffers(offset: target + first))
            }
        }
        count += range.count
        return true
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        try inner.write(bytes)
        guard let written = bytes.baseAddress, let copy = scratch.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let count = min(scratch.count, bytes.count - done)
            var failure: Int32 = 0
            let got = FileIO.preadFully(readFD, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count]), at: self.count + done, failure: &failure)
            if failure != 0 { throw .errno(path, .read, failure) }
            guard got == count, memcmp(copy, written + done, count) == 0 else {
                let first = (0..<min(got, count)).first { scratch[$0] != bytes[done + $0] } ?? got
                throw FileError(path: path, .readBackDiffers(offset: self.count + done + first))
            }
            done += count
        }
        self.count += bytes.count
    }
}
