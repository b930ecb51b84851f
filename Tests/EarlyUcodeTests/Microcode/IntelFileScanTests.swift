import Foundation
import Testing

@testable import EarlyUcode

/// A build for some CPUs reads Intel files by their headers and checks in
/// full only what it could write (`CheckScope.intel`, `IntelFileScan`).
/// These tests hold it to the full read (`CheckScope.everything`): the same
/// updates, the same archive, the same errors where it checks, and what it
/// leaves unchecked said exactly.
@Suite("Intel file scan")
struct IntelFileScanTests {
    /// What a scan for `wanted` keeps, taken from a full read: the updates
    /// whose header or extended table names one of the CPUs.
    static func expected(_ full: MicrocodeCatalog, _ wanted: Set<CPUSignature>) -> [IntelUpdate] {
        full.intel.filter { update in update.signatures.contains { wanted.contains($0.signature) } }
    }

    static func same(_ a: [IntelUpdate], _ b: [IntelUpdate]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.origin == $1.origin && $0.bytes.elementsEqual($1.bytes) }
    }

    /// Every Intel signature of the real firmware, one at a time: the scan
    /// keeps exactly the updates the full read has for it, byte for byte,
    /// and passes over all the others.
    @Test(.enabled(if: RealFirmware.intelDirectory != nil, "no real Intel firmware (set EARLY_UCODE_FIRMWARE)"))
    func everyRealSignatureFindsWhatTheFullReadFinds() throws {
        let sources: [MicrocodeSource] = [.directory(try #require(RealFirmware.intelDirectory), required: true)]
        let full = try MicrocodeCatalog.load(sources)
        let signatures = Set(full.intel.flatMap { $0.signatures.map(\.signature) })
        #expect(signatures.count > 50)
        for signature in signatures.sorted(by: { $0.rawValue < $1.rawValue }) {
            let scanned = try MicrocodeCatalog.load(sources, checking: .intel(for: [signature]))
            let kept = Self.expected(full, [signature])
            #expect(Self.same(scanned.intel, kept), "\(signature)")
            #expect(scanned.passedOver == full.intel.count - kept.count, "\(signature)")
            #expect(scanned.filesRead == full.filesRead && scanned.skipped == full.skipped)
        }
    }

    /// `build` for some CPUs writes the archive a full read would, byte for
    /// byte: known CPUs with and without platform flags, both vendors, an
    /// exclusion, a CPU nothing is for, and Intel left out.
    @Test(.enabled(if: RealFirmware.root != nil, "no real firmware (set EARLY_UCODE_FIRMWARE)"), arguments: [
        SelectionRequest(scope: .cpus([CPUTarget(signature: CPUSignature(0x50654))])),
        SelectionRequest(scope: .cpus([CPUTarget(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x80)),
                                       CPUTarget(signature: CPUSignature(0x806ec)), CPUTarget(signature: CPUSignature(0xa00f11))])),
        SelectionRequest(scope: .cpus([CPUTarget(signature: CPUSignature(0x906ea)), CPUTarget(signature: CPUSignature(0x12345))])),
        SelectionRequest(scope: .cpus([CPUTarget(signature: CPUSignature(0x50657))]), exclusions: [Exclusion(signature: CPUSignature(0x50657))]),
        SelectionRequest(scope: .cpus([CPUTarget(signature: CPUSignature(0x50654)), CPUTarget(signature: CPUSignature(0xa00f11))]), vendors: [.amd]),
    ])
    func buildWritesWhatAFullReadWrites(request: SelectionRequest) throws {
        let sources = MicrocodeSource.firmwareDirectory(try #require(RealFirmware.root))
        let full = try BuildJob(sources: sources, request: request, checks: .everything).plan()
        let scanned = try BuildJob(sources: sources, request: request, checks: .whatCanBeWritten).plan()
        #expect(scanned.catalog.passedOver > 0)
        #expect(try scanned.archive?.bytes() == full.archive?.bytes())
        #expect(scanned.selection.notes == full.selection.notes)
        #expect(scanned.mtime == full.mtime)
    }

    /// A folder of Intel files, several updates each (so later headers lie
    /// past the first 4 KiB the scan reads whole); one update has an
    /// extended signature table.
    static func folder(in tmp: TemporaryDirectory) throws -> String {
        let dir = try tmp.directory("intel-ucode")
        var many: [UInt8] = []
        for revision in UInt32(1)...6 { many += Fabricate.intelUpdate(revision: revision, signature: 0x906ea, platforms: 0x22, seed: revision) }
        try Fabricate.write(many, to: dir + "/06-9e-0a")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7), to: dir + "/06-55-04")
        let extended = Fabricate.intelUpdate(revision: 0x30, signature: 0x806ea, platforms: 0xc0,
                                             extended: [.init(signature: 0x806eb, platforms: 0xd0), .init(signature: 0x806ec, platforms: 0x94)])
        try Fabricate.write(extended, to: dir + "/06-8e-0a")
        return dir
    }

    @Test(arguments: [
        ([0x50654], 1, 7),
        ([0x906ea], 6, 2),
        ([0x806ec], 1, 7),   // only in the extended table
        ([0x806ea, 0x50654], 2, 6),
        ([0x12345], 0, 8),
    ] as [([UInt32], Int, Int)])
    func keepsWhatCouldBeForTheCPUs(signatures: [UInt32], kept: Int, passedOver: Int) throws {
        let tmp = try TemporaryDirectory()
        let sources: [MicrocodeSource] = [.directory(try Self.folder(in: tmp), required: true)]
        let wanted = Set(signatures.map { CPUSignature($0) })
        let full = try MicrocodeCatalog.load(sources)
        let scanned = try MicrocodeCatalog.load(sources, checking: .intel(for: wanted))
        #expect(Self.same(scanned.intel, Self.expected(full, wanted)))
        #expect(scanned.intel.count == kept)
        #expect(scanned.passedOver == passedOver)
        #expect(!scanned.isEmpty)
    }

    /// Damaged data in an update for another CPU: not read, so not seen;
    /// for its own CPU the scan reports it exactly as the full read does.
    @Test func damagedDataIsReportedOnlyWhereItCouldBeWritten() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.folder(in: tmp)
        var many = try Fabricate.read(dir + "/06-9e-0a")
        many[4 * 1024 + 600] ^= 0xff   // the fifth update's data, past the first 4 KiB
        try Fabricate.write(many, to: dir + "/06-9e-0a")
        let sources: [MicrocodeSource] = [.directory(dir, required: true)]
        let fullError = try #require(throws: InputError.self) { try MicrocodeCatalog.load(sources) }
        #expect(fullError.offset == 4 * 1024 + 0x10)
        let scanError = try #require(throws: InputError.self) {
            try MicrocodeCatalog.load(sources, checking: .intel(for: [CPUSignature(0x906ea)]))
        }
        #expect(scanError == fullError)
        let other = try MicrocodeCatalog.load(sources, checking: .intel(for: [CPUSignature(0x50654)]))
        #expect(other.intel.map(\.revision) == [0x2007006])
    }

    /// What the headers say is checked for every update, whichever CPU it
    /// is for: a broken chain of updates, a malformed extended table.
    @Test(arguments: ["total size past the end", "header version", "loader version", "extended count", "trailing bytes"])
    func structuralDamageIsTheFullReadsError(damage: String) throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.folder(in: tmp)
        var bytes = try Fabricate.read(dir + "/06-8e-0a")
        switch damage {
        case "total size past the end": Fabricate.setLE32(&bytes, at: 0x20, 0x10_0000)
        case "header version": Fabricate.setLE32(&bytes, at: 0, 2)
        case "loader version": Fabricate.setLE32(&bytes, at: 0x14, 0)
        case "extended count": Fabricate.setLE32(&bytes, at: 1024 - 44, 5)
        default: bytes += [1, 0, 0, 0]
        }
        try Fabricate.write(bytes, to: dir + "/06-8e-0a")
        let sources: [MicrocodeSource] = [.directory(dir, required: true)]
        let fullError = try #require(throws: InputError.self) { try MicrocodeCatalog.load(sources) }
        let scanError = try #require(throws: InputError.self) {
            try MicrocodeCatalog.load(sources, checking: .intel(for: [CPUSignature(0x50654)]))
        }
        #expect(scanError == fullError, "\(damage)")
        #expect(scanError.path == dir + "/06-8e-0a")
    }

    /// Said exactly: the checksum of an extended table of an update for
    /// other CPUs is not checked (its shape is).
    @Test func anUnwantedTablesChecksumIsNotChecked() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.folder(in: tmp)
        var bytes = try Fabricate.read(dir + "/06-8e-0a")
        bytes[1024 - 44 + 20 + 4] ^= 0x01   // the first entry's platforms
        try Fabricate.write(bytes, to: dir + "/06-8e-0a")
        let sources: [MicrocodeSource] = [.directory(dir, required: true)]
        #expect(throws: InputError.self) { try MicrocodeCatalog.load(sources) }
        let scanned = try MicrocodeCatalog.load(sources, checking: .intel(for: [CPUSignature(0x50654)]))
        #expect(scanned.intel.map(\.revision) == [0x2007006])
        #expect(throws: InputError.self) { try MicrocodeCatalog.load(sources, checking: .intel(for: [CPUSignature(0x806eb)])) }
    }

    /// Intel updates passed over still count as microcode found: a CPU none
    /// of them is for gets "no microcode applies", exit 0, not "no
    /// microcode found in the sources".
    @Test func aCPUWithNothingIsNotNoMicrocodeFound() throws {
        let tmp = try TemporaryDirectory()
        let dir = try Self.folder(in: tmp)
        let result = InProcess.run(["build", "--firmware-dir", dir, "--cpu", "0x12345", "--no-config", "-o", tmp.file("out.cpio")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("no microcode applies to the selected CPUs; nothing written"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("out.cpio")))
    }
}
