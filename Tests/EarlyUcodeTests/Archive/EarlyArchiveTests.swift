import Foundation
import Testing

@testable import EarlyUcode

@Suite("Early archive")
struct EarlyArchiveTests {
    static let intelName = "kernel/x86/microcode/GenuineIntel.bin"
    static let amdName = "kernel/x86/microcode/AuthenticAMD.bin"
    static let mtime = 1_678_060_800

    static func bothVendorsSelection() throws -> Selection {
        let catalog = try makeCatalog(
            intel: [
                Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7, dataSize: 2048 - 48),
                Fabricate.intelUpdate(revision: 0x2b000650, signature: 0x806f8, platforms: 0x87,
                                      extended: [.init(signature: 0x806f7, platforms: 0x87)]),
            ],
            amd: [
                Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)],
                                       patches: [Fabricate.amdPatch(patchID: 0xa0011d5, equivalenceID: 0xa011, size: 5568)]),
                Fabricate.amdContainer([.init(cpu: 0x830f10, equivalenceID: 0x8310)],
                                       patches: [Fabricate.amdPatch(patchID: 0x830107c, equivalenceID: 0x8310, size: 3201)]),
            ])
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        try #require(selection.intel.count == 2 && selection.amd.count == 2)
        return selection
    }

    /// Everything a loader relies on, checked on any archive we write.
    static func checkLayout(_ bytes: [UInt8], _ archive: EarlyArchive, expected: [Vendor: [UInt8]]) throws {
        #expect(bytes.count % 512 == 0)
        #expect(Array(bytes.prefix(6)) == Array("070701".utf8))
        let (members, end) = try Newc.walk(bytes)
        #expect(bytes.count - end < 512)
        #expect(bytes[end...].allSatisfy { $0 == 0 }, "the archive must end in zero padding")

        let trailer = try #require(members.last)
        #expect(trailer.name == "TRAILER!!!")
        let entries = members.dropLast()
        let padding = entries.filter { $0.name.hasPrefix("kernel/x86/microcode/.") }
        #expect(entries.filter { !padding.map(\.headerOffset).contains($0.headerOffset) }.map(\.name)
            == ["kernel", "kernel/x86", "kernel/x86/microcode"] + expected.keys.sorted().map(\.archiveMember))
        for pad in padding {
            #expect(pad.isDirectory && pad.size == 0, "\(pad.name)")
            // The kernel matches members by prefix: padding must never look like a vendor file.
            #expect(!pad.name.hasPrefix(intelName) && !pad.name.hasPrefix(amdName))
        }
        #expect(Array(entries.prefix(3)).allSatisfy { $0.isDirectory && $0.mode == 0o040755 })
        #expect(Set(entries.map(\.ino)).count == entries.count, "distinct inode numbers")
        for member in entries {
            #expect(member.uid == 0 && member.gid == 0)
            #expect(member.mtime == UInt32(archive.mtime))
            #expect(member.devMajor == 0 && member.devMinor == 0 && member.rdevMajor == 0 && member.rdevMinor == 0)
            #expect(member.nlink == (member.isDirectory ? 2 : 1))
            #expect(member.headerOffset % 4 == 0)
        }

        var placements: [EarlyArchive.Placement] = []
        for vendor in expected.keys.sorted() {
            let member = try #require(entries.first { $0.name == vendor.archiveMember })
            #expect(member.isRegular && member.mode == 0o100644)
            #expect(member.dataOffset % 16 == 0, "\(member.name) data at \(member.dataOffset)")
            #expect(Array(member.data) == expected[vendor])
            placements.append(EarlyArchive.Placement(name: member.name, dataOffset: member.dataOffset, size: member.size))
        }
        #expect(archive.placements == placements)
    }

    @Test func archiveHoldsTheSelectionAligned() throws {
        let selection = try Self.bothVendorsSelection()
        let archive = EarlyArchive(selection: selection, mtime: Self.mtime)
        let bytes = try archive.bytes()
        try Self.checkLayout(bytes, archive, expected: [
            .intel: selection.intel.flatMap { Array($0.bytes) },
            .amd: selection.amd.flatMap { $0.serialized() },
        ])
        // AMD first, then Intel.
        #expect(archive.placements.map(\.name) == [Self.amdName, Self.intelName])
    }

    @Test func buildsAreByteIdentical() throws {
        let first = try EarlyArchive(selection: try Self.bothVendorsSelection(), mtime: Self.mtime).bytes()
        let second = try EarlyArchive(selection: try Self.bothVendorsSelection(), mtime: Self.mtime).bytes()
        #expect(first == second)
        let other = try EarlyArchive(selection: try Self.bothVendorsSelection(), mtime: Self.mtime + 1).bytes()
        #expect(first != other)
        #expect(first.count == other.count)
    }

    @Test func writeToSinkMatchesBytes() throws {
        let archive = EarlyArchive(selection: try Self.bothVendorsSelection(), mtime: 0)
        var sink = MemorySink()
        try archive.write(to: &sink)
        #expect(sink.bytes == (try archive.bytes()))
    }

    @Test func trailerIsPresentOnce() throws {
        let bytes = try EarlyArchive(selection: try Self.bothVendorsSelection(), mtime: 0).bytes()
        let (members, _) = try Newc.walk(bytes)
        #expect(members.filter { $0.name == "TRAILER!!!" }.count == 1)
        #expect(members.last?.size == 0)
    }

    static let sizes = [0, 4, 12, 16, 44, 100, 1024, 3072, 5640]

    /// Every combination of member sizes, including sizes not a multiple of
    /// 4 for AMD (its container length has no alignment of its own).
    @Test(arguments: [0, 1, 2, 3, 13, 5629, 5632, 5641], sizes)
    func dataIsAlwaysAligned(amdSize: Int, intelSize: Int) throws {
        var members: [EarlyArchive.Member] = []
        var expected: [Vendor: [UInt8]] = [:]
        if intelSize > 0 {
            let data = Fabricate.noise(count: intelSize, seed: UInt32(intelSize))
            // In two chunks, as several updates are.
            members.append(EarlyArchive.Member(vendor: .intel, chunks: [data[..<(intelSize / 2)], data[(intelSize / 2)...]]))
            expected[.intel] = data
        }
        if amdSize > 0 {
            let data = Fabricate.noise(count: amdSize, seed: UInt32(amdSize) ^ 0xffff)
            members.append(EarlyArchive.Member(vendor: .amd, chunks: [data[...]]))
            expected[.amd] = data
        }
        let archive = EarlyArchive(members: members, mtime: 42)
        let bytes = try archive.bytes()
        try Self.checkLayout(bytes, archive, expected: expected)
        // What build reports as the size without counting the bytes.
        #expect(archive.size == bytes.count)
    }

    /// A sink that allocates while it writes, as any buffering or
    /// compressing sink does: memory freed before `write` is called gets
    /// reused, and shows up in the output if the caller passed it on.
    struct AllocatingSink: ByteSink {
        var bytes: [UInt8] = []
        var scratch: [[UInt8]] = []
        var path: String { "allocating sink" }
        mutating func write(_ raw: UnsafeRawBufferPointer) throws(FileError) {
            for _ in 0..<4 { scratch.append([UInt8](repeating: 0xee, count: raw.count)) }
            bytes.append(contentsOf: raw)
        }
    }

    @Test func endPaddingIsZeros() throws {
        // A 1-byte AMD and a 44-byte Intel member leave a remainder to pad.
        let archive = EarlyArchive(members: [
            EarlyArchive.Member(vendor: .amd, chunks: [[0xaa][...]]),
            EarlyArchive.Member(vendor: .intel, chunks: [Fabricate.noise(count: 44, seed: 3)[...]]),
        ], mtime: 0)
        var sink = AllocatingSink()
        try archive.write(to: &sink)
        let (_, end) = try Newc.walk(sink.bytes)
        #expect(sink.bytes.count % 512 == 0)
        #expect(end < sink.bytes.count, "this layout needs padding")
        #expect(sink.bytes[end...].allSatisfy { $0 == 0 })
    }

    /// A firmware root with three Intel updates: 0x50654 pf 0x01 revisions
    /// 0x10 and 0x20, and 0x906ea pf 0x20 revision 0x5.
    static func firmwareRoot(in tmp: TemporaryDirectory) throws -> String {
        let intel = try tmp.directory("firmware/intel-ucode")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x10, date: 0x0101_2020)
            + Fabricate.intelUpdate(revision: 0x20, date: 0x0202_2021), to: intel + "/06-55-04")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x5, date: 0x0303_2022, signature: 0x906ea, platforms: 0x20),
                            to: intel + "/06-9e-0a")
        return tmp.file("firmware")
    }

    @Test func buildJobWritesTheNewestThroughAtomicFile() throws {
        let tmp = try TemporaryDirectory()
        let root = try Self.firmwareRoot(in: tmp)
        let plan = try BuildJob(sources: MicrocodeSource.firmwareDirectory(root), request: SelectionRequest(scope: .all)).plan()
        #expect(plan.selection.intel.map(\.revision) == [0x20, 0x5])
        // The newest update's date (2022-03-03) is the mtime.
        #expect(plan.mtime == 1_646_265_600)
        let archive = try #require(plan.archive)
        let output = tmp.file("out.cpio")
        try AtomicFile.write(to: output) { sink in try archive.write(to: &sink) }
        #expect(try Fabricate.read(output) == (try archive.bytes()))
        #expect(!FileManager.default.fileExists(atPath: AtomicFile.temporaryPath(for: output)))
    }

    @Test func reportOfFolderReadTwice() throws {
        let tmp = try TemporaryDirectory()
        let root = try Self.firmwareRoot(in: tmp)
        let intel = root + "/intel-ucode"
        let plan = try BuildJob(sources: [.directory(intel, required: true), .directory(intel, required: true)],
                                request: SelectionRequest(scope: .all)).plan()
        #expect(plan.catalog.intel.count == 6)
        #expect(plan.selection.intel.count == 2)
        let report = plan.report(output: "x", size: 0)
        #expect(report.updates.count == 2)
        #expect(report.updates.allSatisfy { $0.selected && $0.status == "selected" }, "\(report.updates.map(\.status))")
    }

    @Test func sourceDateEpochWins() throws {
        let tmp = try TemporaryDirectory()
        let root = try Self.firmwareRoot(in: tmp)
        let epoch = try #require(try BuildJob.sourceDateEpoch(from: ["SOURCE_DATE_EPOCH": "1700000000"]))
        let plan = try BuildJob(sources: MicrocodeSource.firmwareDirectory(root), request: SelectionRequest(scope: .all),
                                sourceDateEpoch: epoch).plan()
        #expect(plan.mtime == 1_700_000_000)
        let archive = try #require(plan.archive)
        let (members, _) = try Newc.walk(try archive.bytes())
        #expect(members.dropLast().allSatisfy { $0.mtime == 1_700_000_000 })
    }

    @Test func nothingSelectedMeansNoArchive() throws {
        let tmp = try TemporaryDirectory()
        let root = try Self.firmwareRoot(in: tmp)
        let plan = try BuildJob(sources: MicrocodeSource.firmwareDirectory(root),
                                request: SelectionRequest(scope: .cpus([intelTarget(0x906ea, 0x02)]))).plan()
        #expect(plan.archive == nil)
        #expect(plan.mtime == 0)
        #expect(plan.selection.notes.count == 1)
        let report = plan.report(output: nil, size: 0)
        #expect(report.members.isEmpty && report.updates.isEmpty)
    }

    @Test(arguments: [
        ([:], nil as Int?), (["SOURCE_DATE_EPOCH": "0"], 0), (["SOURCE_DATE_EPOCH": "1700000000"], 1_700_000_000),
    ] as [([String: String], Int?)])
    func sourceDateEpochParsing(_ environment: [String: String], _ expected: Int?) throws {
        #expect(try BuildJob.sourceDateEpoch(from: environment) == expected)
    }

    @Test(arguments: ["", "abc", "-5", "1.5", " 17", "17 ", "1700000000000000", "١٢٣", "0x10"])
    func sourceDateEpochRejects(_ text: String) {
        #expect(throws: InputError.self) { try BuildJob.sourceDateEpoch(from: ["SOURCE_DATE_EPOCH": text]) }
    }

    /// The spec wants the form `date +%s` prints: digits only.
    @Test(arguments: ["+1700000000", "-0"])
    func sourceDateEpochRejectsSigns(_ text: String) {
        #expect(throws: InputError.self) { try BuildJob.sourceDateEpoch(from: ["SOURCE_DATE_EPOCH": text]) }
    }
}
