#if canImport(Glibc)
import Glibc
#endif

/// The rebuilt image's sink: counts what is written and reads each write
/// back from the file, through a descriptor of its own, before going on.
/// That every byte landed as written is then checked with one more read of
/// the new image, while its pages are still cached, instead of a read of
/// both the new image and the old one after the whole copy.
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

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        try inner.write(bytes)
        guard let written = bytes.baseAddress, let copy = scratch.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let count = min(scratch.count, bytes.count - done)
            var failure: Int32 = 0
            let got = ImageFile.preadFully(readFD, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<count]), at: self.count + done, failure: &failure)
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
