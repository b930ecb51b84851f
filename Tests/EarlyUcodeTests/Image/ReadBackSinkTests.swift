import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// rebuild's check that every byte landed as written: each write is read
/// back from the file. Here the writes go to /dev/null while the "file"
/// read back is one made here, so what reads back can be chosen.
@Suite("Read-back sink")
struct ReadBackSinkTests {
    func run(fileHolds onDisk: [UInt8], writes: [[UInt8]]) throws -> Int {
        let directory = try TemporaryDirectory()
        let path = directory.file("image")
        try ImageFixture.write(onDisk, to: path)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        #expect(null >= 0)
        defer { close(null) }
        return try ReadBackSink.over(DescriptorSink(fd: null, path: path)) { sink in
            for chunk in writes { try sink.write(chunk[...]) }
            return sink.count
        }
    }

    @Test func whatReadsBackAsWrittenPasses() throws {
        let bytes = ImageFixture.filler(3 << 20, seed: 7)
        // Chunks larger than the sink's buffer and smaller, at odd offsets.
        #expect(try run(fileHolds: bytes, writes: [Array(bytes[0..<5]), Array(bytes[5..<(2 << 20) + 3]), Array(bytes[((2 << 20) + 3)...])]) == bytes.count)
    }

    @Test(arguments: [0, 4, (1 << 20) + 17, (3 << 20) - 1])
    func aDifferentByteIsNamed(at offset: Int) throws {
        let bytes = ImageFixture.filler(3 << 20, seed: 7)
        var onDisk = bytes
        onDisk[offset] ^= 0x01
        do {
            _ = try run(fileHolds: onDisk, writes: [Array(bytes[0..<4]), Array(bytes[4...])])
            Issue.record("no error for a byte changed at \(offset)")
        } catch let error as FileError {
            #expect(error.problem == .readBackDiffers(offset: offset))
        }
    }

    /// A range of an image copied inside the kernel (copy_file_range, same
    /// file system) after bytes written through memory: the file holds
    /// both, in order. To /dev/null the kernel will not copy (EINVAL): the
    /// same range goes through memory and is read back from the file.
    @Test(arguments: [0, 1, 100_000, 3 << 20])
    func aCopyLandsAfterWhatWasWritten(length: Int) throws {
        let directory = try TemporaryDirectory()
        let image = ImageFixture.filler(4 << 20, seed: 5)
        try ImageFixture.write(image, to: directory.file("image"))
        let source = try ImageFile(path: directory.file("image"))
        let range = 1000..<(1000 + length)
        let out = directory.file("out")
        let fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let (inKernel, count) = try ReadBackSink.over(DescriptorSink(fd: fd, path: out)) { sink in
            try sink.write([1, 2, 3][...])
            let inKernel = try sink.copy(range, from: source)
            return (inKernel, sink.count)
        }
        #expect(inKernel)
        #expect(count == 3 + length)
        #expect(try Fabricate.read(out) == [1, 2, 3] + Array(image[range]))

        try ImageFixture.write([1, 2, 3] + Array(image[range]), to: directory.file("through-memory"))
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(null) }
        let throughMemory = try ReadBackSink.over(DescriptorSink(fd: null, path: directory.file("through-memory"))) { sink in
            try sink.write([1, 2, 3][...])
            return try sink.copy(range, from: source)
        }
        #expect(!throughMemory || length == 0)
    }

    /// The kernel's copy is compared with the image at both ends: a copy
    /// that landed elsewhere (here: the file read back is another one, with
    /// the range one byte off) is named at its first differing byte.
    @Test func aKernelCopyThatDiffersAtAnEndIsNamed() throws {
        let directory = try TemporaryDirectory()
        let image = ImageFixture.filler(1 << 20, seed: 9)
        try ImageFixture.write(image, to: directory.file("image"))
        try ImageFixture.write(Array(image[1...]), to: directory.file("elsewhere"))
        let source = try ImageFile(path: directory.file("image"))
        let fd = open(directory.file("out"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        do {
            _ = try ReadBackSink.over(DescriptorSink(fd: fd, path: directory.file("elsewhere"))) { sink in
                try sink.copy(0..<(512 << 10), from: source)
            }
            Issue.record("no error for a copy that reads back differently")
        } catch let error as FileError {
            let first = (0..<image.count).first { image[$0] != image[$0 + 1] } ?? 0
            #expect(error.problem == .readBackDiffers(offset: first))
        }
    }

    @Test func aShortFileIsADifference() throws {
        let bytes = ImageFixture.filler(10_000, seed: 3)
        do {
            _ = try run(fileHolds: Array(bytes[0..<9_000]), writes: [bytes])
            Issue.record("no error for a file shorter than what was written")
        } catch let error as FileError {
            #expect(error.problem == .readBackDiffers(offset: 9_000))
        }
    }
}
