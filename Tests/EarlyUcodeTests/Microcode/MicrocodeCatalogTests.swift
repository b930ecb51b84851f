import Foundation
import Testing

@testable import EarlyUcode

@Suite("Microcode catalog")
struct MicrocodeCatalogTests {
    static let readme = "This folder holds CPU microcode.\n\nSee https://example.org for 0x00000001 details.\n"
    static let armored = "-----BEGIN PGP SIGNATURE-----\n\niQIzBAABCAAdFiEE0x00000001\n=abcd\n-----END PGP SIGNATURE-----\n"

    /// An Intel folder as Debian ships it, plus the clutter found next to it.
    static func intelFolder(in tmp: TemporaryDirectory) throws -> String {
        let dir = try tmp.directory("intel-ucode")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7), to: dir + "/06-55-04")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0xf6, signature: 0x806ea, platforms: 0xc0), to: dir + "/06-8e-0a.initramfs")
        try Fabricate.write(readme, to: dir + "/README")
        try Fabricate.write(armored, to: dir + "/06-55-04.asc")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x99, signature: 0x50654, seed: 3), to: dir + "/.06-55-04.swp")
        return dir
    }

    @Test func directoryIsReadByContent() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.intelFolder(in: tmp)
        let catalog = try MicrocodeCatalog.load([.directory(dir, required: true)])
        // Files come in bytewise name order.
        #expect(catalog.intel.map(\.revision) == [0x2007006, 0xf6])
        #expect(catalog.intel.map(\.origin.path) == [dir + "/06-55-04", dir + "/06-8e-0a.initramfs"])
        #expect(catalog.amd.isEmpty)
        #expect(catalog.filesRead == 4)
        let skipped = Dictionary(uniqueKeysWithValues: catalog.skipped.map { ($0.path, $0.reason) })
        #expect(skipped.count == 3)
        #expect(skipped[dir + "/README"]?.contains("text") == true)
        #expect(skipped[dir + "/06-55-04.asc"]?.contains("text") == true)
        #expect(skipped[dir + "/.06-55-04.swp"] == "hidden file")
        #expect(catalog.invalid.isEmpty)
        #expect(!catalog.isEmpty)
    }

    @Test func emptyFilesAndSubfoldersAreSkipped() throws {
        let tmp = try TemporaryDirectory()
        let dir = try tmp.directory("fw")
        try Fabricate.write([UInt8](), to: dir + "/empty")
        try tmp.directory("fw/nested")
        try Fabricate.write(Fabricate.intelUpdate(), to: dir + "/nested/06-55-04")
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: dir + "/nowhere")
        let catalog = try MicrocodeCatalog.load([.directory(dir, required: true)])
        #expect(catalog.isEmpty)
        #expect(Set(catalog.skipped.map(\.path)) == [dir + "/empty", dir + "/nested", dir + "/dangling"])
    }

    @Test func symlinkToMicrocodeIsRead() throws {
        let tmp = try TemporaryDirectory()
        let dir = try tmp.directory("fw")
        try Fabricate.write(Fabricate.intelUpdate(revision: 5), to: tmp.file("real"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/06-55-04", withDestinationPath: tmp.file("real"))
        let catalog = try MicrocodeCatalog.load([.directory(dir, required: true)])
        #expect(catalog.intel.map(\.revision) == [5])
    }

    @Test func unknownBinaryIsAnError() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.intelFolder(in: tmp)
        try Fabricate.write([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 56), to: dir + "/06-66-03")
        let error = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.directory(dir, required: true)]) }
        #expect(error.path == dir + "/06-66-03")
        #expect(error.offset == 0)
        #expect(error.problem == .microcode(.unknownFormat))
    }

    static func malformedIntel() -> (bytes: [UInt8], offset: Int) {
        var second = Fabricate.intelUpdate(revision: 2, signature: 0x906ea, seed: 9)
        second[600] ^= 0xff
        let first = Fabricate.intelUpdate(revision: 1, signature: 0x906ea, platforms: 0x22)
        return (first + second, first.count + 0x10)
    }

    @Test func malformedIntelFileNamesPathAndOffset() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.intelFolder(in: tmp)
        let (bytes, offset) = Self.malformedIntel()
        try Fabricate.write(bytes, to: dir + "/06-9e-0a")
        let error = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.directory(dir, required: true)]) }
        #expect(error.path == dir + "/06-9e-0a")
        #expect(error.offset == offset)
        #expect(sameCase(error.problem, .microcode(.checksum(sum: 0))))
        #expect(error.description.hasPrefix(dir + "/06-9e-0a: offset \(offset) (0x\(String(offset, radix: 16))): "))
    }

    @Test func skipInvalidRecordsTheFileAndLoadsTheRest() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.intelFolder(in: tmp)
        let (bytes, offset) = Self.malformedIntel()
        try Fabricate.write(bytes, to: dir + "/06-9e-0a")
        let amdDir = try tmp.directory("amd-ucode")
        var amd = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)],
                                         patches: [Fabricate.amdPatch(patchID: 0xa0011d5, equivalenceID: 0xa011)])
        try Fabricate.write(amd, to: amdDir + "/microcode_amd_fam19h.bin")
        amd[4] = 7
        try Fabricate.write(amd, to: amdDir + "/microcode_amd.bin")

        let catalog = try MicrocodeCatalog.load([.directory(dir, required: true), .directory(amdDir, required: true)], skipInvalid: true)
        // Nothing of the bad file is kept, not even its valid first update.
        #expect(catalog.intel.map(\.revision) == [0x2007006, 0xf6])
        #expect(catalog.amd.count == 1)
        #expect(catalog.amd.first?.origin.path == amdDir + "/microcode_amd_fam19h.bin")
        #expect(catalog.invalid.map(\.path) == [dir + "/06-9e-0a", amdDir + "/microcode_amd.bin"])
        #expect(catalog.invalid.map(\.offset) == [offset, 4])
    }

    @Test func explicitTextFileIsAnError() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Self.readme, to: tmp.file("README"))
        let error = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.file(tmp.file("README"))]) }
        #expect(error.path == tmp.file("README"))
        #expect(sameCase(error.problem, .microcode(.notMicrocode(""))))
        try Fabricate.write([UInt8](), to: tmp.file("empty"))
        #expect(throws: InputError.self) { try MicrocodeCatalog.load([.file(tmp.file("empty"))]) }
    }

    @Test func explicitMissingFileIsAnError() throws {
        let tmp = try TemporaryDirectory()
        let error = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.file(tmp.file("absent"))]) }
        #expect(error.path == tmp.file("absent"))
    }

    @Test func datTextFileIsParsed() throws {
        let tmp = try TemporaryDirectory()
        let binary = Fabricate.intelUpdate(revision: 0x42, signature: 0x706a1) + Fabricate.intelUpdate(revision: 0x43, signature: 0x706a8)
        try Fabricate.write(Fabricate.dat(from: binary), to: tmp.file("microcode.dat"))
        let catalog = try MicrocodeCatalog.load([.file(tmp.file("microcode.dat"))])
        #expect(catalog.intel.map(\.revision) == [0x42, 0x43])
        #expect(catalog.intel.map { Array($0.bytes) } == [Array(binary.prefix(1024)), Array(binary.suffix(1024))])
        // Read from a folder too.
        let fromDir = try MicrocodeCatalog.load([.directory(tmp.path, required: true)])
        #expect(fromDir.intel.count == 2)
    }

    @Test func malformedDatNamesTheLine() throws {
        let tmp = try TemporaryDirectory()
        var binary = Fabricate.intelUpdate(revision: 0x42) + Fabricate.intelUpdate(revision: 0x43)
        binary[1024 + 0x14] = 2   // loader version of the second update
        // Two comment lines; update 2 starts at word 256, line 3 + 64.
        try Fabricate.write(Fabricate.dat(from: binary), to: tmp.file("microcode.dat"))
        let error = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.file(tmp.file("microcode.dat"))]) }
        #expect(error.path == tmp.file("microcode.dat"))
        #expect(error.line == 3 + 64 + 1)
        #expect(error.problem == .microcode(.inDecodedUpdates(.microcode(.loaderVersion(2)), byte: 1024 + 0x14)))

        try Fabricate.write("0x00000001,\n0x00000002,\n0xnope,\n", to: tmp.file("bad.dat"))
        let textError = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.file(tmp.file("bad.dat"))]) }
        #expect(textError.line == 3)
    }

    @Test func missingFolders() throws {
        let tmp = try TemporaryDirectory()
        let optional = try MicrocodeCatalog.load([.directory(tmp.file("absent"), required: false)])
        #expect(optional.isEmpty)
        #expect(optional.filesRead == 0)
        let error = try #require(throws: InputError.self) { try MicrocodeCatalog.load([.directory(tmp.file("absent"), required: true)]) }
        #expect(error.path == tmp.file("absent"))
        try Fabricate.write("x", to: tmp.file("plain"))
        #expect(throws: InputError.self) { try MicrocodeCatalog.load([.directory(tmp.file("plain"), required: false)]) }
    }

    @Test func firmwareRootFindsVendorFolders() throws {
        let tmp = try TemporaryDirectory()
        _ = try Self.intelFolder(in: tmp)
        try tmp.directory("amd-ucode")
        try tmp.directory("updates/intel-ucode")
        #expect(MicrocodeSource.firmwareDirectory(tmp.path) == [
            .directory(tmp.file("updates/intel-ucode"), required: true),
            .directory(tmp.file("intel-ucode"), required: true),
            .directory(tmp.file("amd-ucode"), required: true),
        ])
        // A plain folder of microcode is itself the source.
        #expect(MicrocodeSource.firmwareDirectory(tmp.file("intel-ucode")) == [.directory(tmp.file("intel-ucode"), required: true)])
    }

    @Test func formatByContent() {
        #expect(MicrocodeFormat.of(Fabricate.intelUpdate()) == .intelBinary)
        #expect(MicrocodeFormat.of(Fabricate.amdContainer([], patches: [])) == .amdContainer)
        #expect(MicrocodeFormat.of(Array(Fabricate.dat(from: Fabricate.intelUpdate()).utf8)) == .intelText)
        #expect(MicrocodeFormat.of([]) == .notMicrocode("empty file"))
        #expect(MicrocodeFormat.of(Array(Self.readme.utf8)) == .notMicrocode("text file, not microcode"))
        #expect(MicrocodeFormat.of([0, 1, 2, 3, 4]) == .unknownBinary)
        // Header version 1 makes a file Intel's; the parser then says what is wrong.
        var badLoader = Fabricate.intelUpdate()
        badLoader[0x14] = 0
        #expect(MicrocodeFormat.of(badLoader) == .intelBinary)
        #expect(MicrocodeFormat.of([1, 0, 0, 0, 0, 0]) == .intelBinary)
        var notIntel = Fabricate.intelUpdate()
        notIntel[0] = 2
        #expect(MicrocodeFormat.of(notIntel) == .unknownBinary)
        // Only the file's own bytes count when it sits inside a larger buffer.
        let buffer = Array("README text\n".utf8) + Fabricate.intelUpdate()
        #expect(MicrocodeFormat.of(buffer[12...]) == .intelBinary)
        #expect(MicrocodeFormat.of(buffer[..<12]) == .notMicrocode("text file, not microcode"))
    }
}
