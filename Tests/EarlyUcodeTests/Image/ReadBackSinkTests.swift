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
