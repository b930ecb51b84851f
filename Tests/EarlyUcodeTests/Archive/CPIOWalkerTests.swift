import Testing

@testable import EarlyUcode

@Suite("Early cpio walker")
struct CPIOWalkerTests {
    /// Writes `bytes` and walks them.
    static func walk(_ bytes: [UInt8]) throws -> CPIOWalk {
        let directory = try TemporaryDirectory()
        let path = directory.file("image")
        try ImageFixture.write(bytes, to: path)
        return try EarlyCPIOWalker.walk(try ImageFile(path: path))
    }

    /// The error a walk of `bytes` ends with.
    static func failure(_ bytes: [UInt8]) throws -> InputError {
        let directory = try TemporaryDirectory()
        let path = directory.file("image")
        try ImageFixture.write(bytes, to: path)
        let file = try ImageFile(path: path)
        do {
            _ = try EarlyCPIOWalker.walk(file)
        } catch {
            return error
        }
        throw ImageFixture.FixtureError("walk succeeded")
    }

    @Test func readsMembersLikeTheKernel() throws {
        let intel = ImageFixture.intel(revision: 0x2007006)
        let bytes = ImageFixture.early(intel: intel, padTo: 4)
        let walk = try Self.walk(bytes)
        try #require(walk.archives.count == 1)
        let archive = walk.archives[0]
        #expect(archive.offset == 0)
        #expect(archive.end == bytes.count)
        #expect(archive.members.map(\.name) == ["kernel", "kernel/x86", "kernel/x86/microcode", "kernel/x86/microcode/GenuineIntel.bin"])
        #expect(archive.trailer.isTrailer)
        let member = archive.members[3]
        #expect(member.isRegularFile)
        #expect(member.format == .newc)
        #expect(member.nameSize == "kernel/x86/microcode/GenuineIntel.bin".utf8.count + 1)
        #expect(member.dataOffset == (member.offset + 110 + member.nameSize + 3) & ~3)
        #expect(member.dataSize == intel.count)
        #expect(Array(bytes[member.dataRange]) == intel)
        #expect(archive.members[0].isDirectory)
        #expect(walk.stop == bytes.count)
    }

    /// Zero padding between archives is skipped 4 bytes at a time, whatever its length.
    @Test(arguments: [0, 4, 508, 512, 10240])
    func walksPastTrailerAndPadding(padding: Int) throws {
        let first = ImageFixture.early(amd: ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011)]), padTo: 4)
        let second = ImageFixture.early(intel: ImageFixture.intel(revision: 5), padTo: 4)
        let bytes = first + [UInt8](repeating: 0, count: padding) + second
        let walk = try Self.walk(bytes)
        #expect(walk.archives.map(\.offset) == [0, first.count + padding])
        #expect(walk.archives.map(\.end) == [first.count, bytes.count])
        #expect(walk.members.filter(\.isRegularFile).map(\.name) == ["kernel/x86/microcode/AuthenticAMD.bin", "kernel/x86/microcode/GenuineIntel.bin"])
    }

    /// Where the zero stepping stops, as lib/earlycpio.c steps: 4 bytes at a
    /// time while the byte there is zero and more than a header is left.
    static func kernelStop(_ bytes: [UInt8], from start: Int) -> Int {
        var position = start
        while bytes.count - position > 110, bytes[position] == 0 { position += 4 }
        return position
    }

    /// Runs of zeros are passed over at once; the walk stops exactly where
    /// the kernel's 4-byte stepping would, wherever the run ends.
    @Test(arguments: [0, 1, 3, 4, 5, 7, 8, 105, 106, 107, 108, 109, 110, 111, 112, 113, 4097])
    func zeroRunsStopWhereTheKernelStops(zeros: Int) throws {
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 1), padTo: 4)
        for tail in [[UInt8](), [0x41], [0x41, 0, 0, 0, 0x42], ImageFixture.filler(300, seed: 5)] {
            let bytes = early + [UInt8](repeating: 0, count: zeros) + tail
            let walk = try Self.walk(bytes)
            #expect(walk.archives.count == 1)
            #expect(walk.stop == min(Self.kernelStop(bytes, from: early.count), bytes.count), "zeros \(zeros), tail \(tail.count)")
        }
    }

    /// Found by fuzz-pe-image: a UKI section whose VirtualSize asks for 4 GiB
    /// of zero fill took minutes, stepped over 4 bytes at a time.
    @Test func gigabytesOfViewZerosAreOneStep() throws {
        let directory = try TemporaryDirectory()
        let first = ImageFixture.early(intel: ImageFixture.intel(revision: 1), padTo: 4)
        let second = ImageFixture.early(amd: ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: []), padTo: 4)
        try ImageFixture.write(first + second, to: directory.file("image"))
        let view = try ImageFile(path: directory.file("image"), segments: [.file(0..<first.count), .zeros(1 << 32), .file(first.count..<(first.count + second.count))])
        let walk = try EarlyCPIOWalker.walk(view)
        #expect(walk.archives.map(\.offset) == [0, first.count + (1 << 32)])
        #expect(walk.stop == view.size)
        #expect(view.bytesRead < 1 << 20)
        // And what follows the last archive, read as the unpacker reads it.
        let trailing = try ImageFile(path: directory.file("image"), segments: [.file(0..<first.count), .zeros(1 << 32)])
        let image = try BootImage.read(trailing)
        #expect(image.main.kind == .nothing)
        #expect(trailing.bytesRead < 1 << 20)
    }

    @Test func uppercaseHexAndCRCMagic() throws {
        let bytes = ImageFixture.newc(ImageFixture.microcodeDirs + [.file("kernel/x86/microcode/GenuineIntel.bin", ImageFixture.intel(revision: 7))],
                                      magic: "070702", uppercase: true)
        let walk = try Self.walk(bytes)
        #expect(walk.archives.first?.members.last?.format == .crc)
        #expect(walk.archives.first?.members.last?.dataSize == 1024)
        #expect(walk.archives.first?.members.last?.mode == 0o100644)
    }

    @Test func stopsAtCompressedData() throws {
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 1))
        let bytes = early + [0x28, 0xb5, 0x2f, 0xfd] + ImageFixture.filler(4000, seed: 3)
        let walk = try Self.walk(bytes)
        #expect(walk.archives.count == 1)
        #expect(walk.stop == early.count)
    }

    /// The kernel checks only the first byte of each 4: "00 41 42 43" is skipped too.
    @Test func zeroSkipLooksAtOneByte() throws {
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 1), padTo: 4)
        let bytes = early + [0, 0x41, 0x42, 0x43] + ImageFixture.early(amd: ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: []), padTo: 4)
        let walk = try Self.walk(bytes)
        #expect(walk.archives.count == 2)
        #expect(walk.archives[1].offset == early.count + 4)
    }

    @Test func truncatedMemberIsAnError() throws {
        let whole = ImageFixture.early(intel: ImageFixture.intel(revision: 1), padTo: 4)
        let cut = Array(whole.prefix(whole.count - 200))
        let error = try Self.failure(cut)
        let memberOffset = try Self.walk(whole).archives[0].members[3].offset
        #expect(error.offset == memberOffset)
        let problem = error.problem
        guard case .archive(.memberPastEnd(let name, _, let left)) = problem else {
            Issue.record("expected memberPastEnd, got \(problem)")
            return
        }
        #expect(name == "kernel/x86/microcode/GenuineIntel.bin")
        #expect(left == cut.count - memberOffset)
    }

    @Test func archiveWithoutTrailerIsAnError() throws {
        let open = ImageFixture.newc(ImageFixture.microcodeDirs, trailer: false)
        let error = try Self.failure(open + [0x1f, 0x8b, 8, 0] + ImageFixture.filler(200, seed: 1))
        #expect(error.offset == open.count)
        #expect(error.problem == .archive(.noTrailer(archiveOffset: 0)))
    }

    @Test func zerosInsideAnArchiveAreAnError() throws {
        let open = ImageFixture.newc([.dir("kernel")], trailer: false)
        let error = try Self.failure(open + [UInt8](repeating: 0, count: 16) + ImageFixture.newc([.dir("kernel/x86")]))
        #expect(error.offset == open.count)
        #expect(error.problem == .archive(.zerosBeforeTrailer(archiveOffset: 0)))
    }

    @Test func badHexFieldNamesTheField() throws {
        var bytes = ImageFixture.early(intel: ImageFixture.intel(revision: 1))
        // The filesize field of the first header: 6 + 6 * 8.
        bytes[6 + 6 * 8 + 3] = UInt8(ascii: "g")
        let error = try Self.failure(bytes)
        #expect(error.offset == 6 + 6 * 8)
        #expect(sameCase(error.problem, .archive(.badHeaderField(name: "", text: ""))))
        #expect(error.problem == .archive(.badHeaderField(name: "filesize", text: String(decoding: bytes[(6 + 6 * 8)..<(6 + 7 * 8)], as: UTF8.self))))
    }

    @Test func nameWithoutNUL() throws {
        var bytes = ImageFixture.newc([.dir("kernel")])
        bytes[110 + 6] = UInt8(ascii: "x")       // the NUL of "kernel"
        let error = try Self.failure(bytes)
        #expect(error.offset == 110 + 6)
        #expect(error.problem == .archive(.nameNotTerminated))
    }

    @Test func oldPortableFormatIsNamed() throws {
        var bytes = ImageFixture.newc([.dir("kernel")])
        bytes.replaceSubrange(0..<6, with: Array("070707".utf8))
        let error = try Self.failure(bytes)
        #expect(error.offset == 0)
        #expect(error.problem == .archive(.oldPortableFormat))
    }

    @Test func truncatedHeaderAtTheEnd() throws {
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 1), padTo: 4)
        let error = try Self.failure(early + Array("07070100000001".utf8))
        #expect(error.offset == early.count)
        #expect(error.problem == .archive(.truncatedHeader(left: 14)))
    }

    @Test(arguments: [
        ("kernel/x86/microcode/GenuineIntel.bin", UInt32(0o100644), true),
        ("kernel/x86/microcode/GenuineIntel.bin.old", 0o100644, true),     // the prefix is all that is compared
        ("kernel/x86/microcode/GenuineIntel.bin/x", 0o100644, true),
        ("./kernel/x86/microcode/GenuineIntel.bin", 0o100644, false),
        ("/kernel/x86/microcode/GenuineIntel.bin", 0o100644, false),
        ("kernel/x86/microcode/GenuineIntel.bi", 0o100644, false),
        ("kernel/x86/microcode/GenuineIntel.bin", 0o040755, false),          // a folder
        ("kernel/x86/microcode/GenuineIntel.bin", 0o120777, false),          // a symlink
    ])
    func loaderPathMatching(name: String, mode: UInt32, matches: Bool) throws {
        let walk = try Self.walk(ImageFixture.newc([ImageFixture.Entry(name: name, mode: mode, data: [1, 2, 3, 4])]))
        let member = try #require(walk.members.first)
        #expect(member.matchesLoaderPath(Vendor.intel.archiveMember) == matches)
        #expect(!member.matchesLoaderPath(Vendor.amd.archiveMember))
    }
}
