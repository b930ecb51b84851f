import Foundation
import Testing

@testable import EarlyUcode

@Suite("inspect")
struct InspectTests {
    static let skylake = InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x01))
    static let milan = InspectedCPU(signature: CPUSignature(0xa00f11))

    static func inspect(_ bytes: [UInt8], cpus: [InspectedCPU] = [skylake, milan]) throws -> ImageInspection {
        let directory = try TemporaryDirectory()
        let path = directory.file("initrd.img")
        try ImageFixture.write(bytes, to: path)
        return try ImageInspection.inspect(path: path, cpus: cpus)
    }

    static func prediction(_ inspection: ImageInspection, _ loader: BootLoader, _ signature: UInt32) -> LoadPrediction? {
        inspection.predictions.first { $0.cpu.signature.rawValue == signature }.map { loader == .linux ? $0.linux : $0.xen }
    }

    static func revision(_ inspection: ImageInspection, _ loader: BootLoader, _ signature: UInt32) -> UInt32? {
        prediction(inspection, loader, signature)?.candidate?.revision
    }

    static let milanContainer = ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011, size: 5568)])

    // MARK: Layout

    enum Main: String, CaseIterable, Sendable { case none, uncompressed, gzip, zstd }

    static func main(_ kind: Main) throws -> [UInt8] {
        switch kind {
        case .none: []
        case .uncompressed: ImageFixture.mainCPIO()
        case .gzip: try ImageFixture.compress(ImageFixture.mainCPIO(), with: "gzip")
        case .zstd: try ImageFixture.compress(ImageFixture.mainCPIO(), with: "zstd")
        }
    }

    /// Zero, one and two early archives in front of each kind of main part.
    @Test(.enabled(if: ImageFixture.hasGzip && ImageFixture.hasZstd), arguments: Main.allCases, [0, 1, 2])
    func layout(main kind: Main, earlyCount: Int) throws {
        let archives = [ImageFixture.early(amd: Self.milanContainer), ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006))]
            .prefix(earlyCount)
        let front = archives.reduce([], +)
        let bytes = front + (try Self.main(kind))
        let inspection = try Self.inspect(bytes)
        let image = inspection.image
        #expect(image.kind == (bytes.isEmpty ? .empty : .initrd))
        #expect(image.earlyArchiveCount == earlyCount)
        #expect(image.earlyArchives.map(\.offset) == (earlyCount == 2 ? [0, archives[0].count] : earlyCount == 1 ? [0] : []))
        switch kind {
        case .none: #expect(image.main == MainPart(offset: bytes.count, kind: .nothing))
        case .uncompressed: #expect(image.main == MainPart(offset: front.count, kind: .uncompressedCPIO))
        case .gzip: #expect(image.main == MainPart(offset: front.count, kind: .compressed(.gzip)))
        case .zstd: #expect(image.main == MainPart(offset: front.count, kind: .compressed(.zstd)))
        }
        if kind == .gzip || kind == .zstd { #expect(inspection.compressedPeek == .mainArchive) }
        #expect(Self.revision(inspection, .xen, 0xa00f11) == (earlyCount >= 1 ? 0xa0011d5 : nil))
        #expect(Self.revision(inspection, .linux, 0x50654) == (earlyCount == 2 ? 0x2007006 : nil))
        let report = InspectReport(inspection)
        #expect(report.earlyArchives.count == earlyCount)
        #expect(report.main.kind == (kind == .none ? "nothing" : kind == .uncompressed ? "uncompressed-cpio" : kind.rawValue))
        #expect(image.parts.map(\.asMain) == (kind == .none ? [] : [image.main]))
        #expect(report.parts.map(\.kind) == (kind == .none ? [] : [report.main.kind]))
    }

    @Test func membersReportOffsetsSizesAndAlignment() throws {
        let intel = ImageFixture.intel(revision: 0x2007006)
        let bytes = ImageFixture.early(intel: intel) + (try ImageFixture.compress(ImageFixture.mainCPIO(), with: "gzip"))
        let inspection = try Self.inspect(bytes)
        let member = try #require(inspection.members.first)
        let offset = try #require(member.member?.member.dataOffset)
        #expect(Array(bytes[offset..<(offset + intel.count)]) == intel)
        #expect(member.size == intel.count)
        #expect(member.dataAlignment == 1 << offset.trailingZeroBitCount)
        let report = InspectReport(inspection)
        let update = try #require(report.microcode.first?.updates.first)
        #expect(update.offset == offset)
        #expect(update.revision == "0x2007006")
        #expect(update.status == "linux+xen")
        #expect(report.lines.contains { $0.hasPrefix("  kernel/x86/microcode/GenuineIntel.bin: 1024 bytes, data at offset \(offset)") })
    }

    // MARK: Which member

    @Test func firstMemberWinsLaterOnesAreShadowed() throws {
        let bytes = ImageFixture.early(intel: ImageFixture.intel(revision: 0x100)) + ImageFixture.early(intel: ImageFixture.intel(revision: 0x200))
        let inspection = try Self.inspect(bytes)
        let members = inspection.image.microcode
        try #require(members.count == 2)
        #expect(members[0].isUsed)
        #expect(members[1].shadowedBy == members[0].member.offset)
        #expect(Self.revision(inspection, .linux, 0x50654) == 0x100)
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x100)
        #expect(InspectReport(inspection).lines.contains { $0.contains("shadowed by the member at offset \(members[0].member.offset)") })
    }

    /// `GenuineIntel.bin.old` placed first is what both loaders take.
    @Test func namePrefixTrick() throws {
        let bytes = ImageFixture.newc(ImageFixture.microcodeDirs + [
            .file("kernel/x86/microcode/GenuineIntel.bin.old", ImageFixture.intel(revision: 0x111)),
            .file("kernel/x86/microcode/GenuineIntel.bin", ImageFixture.intel(revision: 0x222)),
        ])
        let inspection = try Self.inspect(bytes)
        #expect(inspection.image.microcode.map(\.member.name) == ["kernel/x86/microcode/GenuineIntel.bin.old", "kernel/x86/microcode/GenuineIntel.bin"])
        #expect(inspection.image.microcode.map(\.isUsed) == [true, false])
        #expect(Self.revision(inspection, .linux, 0x50654) == 0x111)
    }

    @Test func dotSlashNamesAreIgnoredAndSaidSo() throws {
        let bytes = ImageFixture.newc([.dir("."), .dir("./kernel"), .file("./kernel/x86/microcode/GenuineIntel.bin", ImageFixture.intel(revision: 9))])
        let inspection = try Self.inspect(bytes)
        #expect(inspection.image.microcode.isEmpty)
        #expect(inspection.image.earlyArchiveCount == 1)
        #expect(inspection.notes.contains { $0.contains("starts with \"./\"") })
        #expect(Self.prediction(inspection, .linux, 0x50654)?.candidate == nil)
        #expect(Self.prediction(inspection, .linux, 0x50654)?.reason.contains("no kernel/x86/microcode/GenuineIntel.bin") == true)
    }

    /// dracut's early archive: "." and an early_cpio marker before kernel/.
    @Test func dracutStyleEarlyArchive() throws {
        let early = ImageFixture.newc([.dir("."), .file("early_cpio", Array("1\n".utf8)), .dir("kernel"), .dir("kernel/x86"), .dir("kernel/x86/microcode"),
                                       .file("kernel/x86/microcode/GenuineIntel.bin", ImageFixture.intel(revision: 0x2007006))], padTo: 512)
        let inspection = try Self.inspect(early + ImageFixture.mainCPIO())
        #expect(inspection.image.earlyArchiveCount == 1)
        #expect(inspection.image.main == MainPart(offset: early.count, kind: .uncompressedCPIO))
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x2007006)
        #expect(InspectReport(inspection).lines.contains("  early_cpio: 2 bytes (file)"))
    }

    @Test func microcodeInsideAnUncompressedMainArchiveStillCounts() throws {
        let main = ImageFixture.newc([.dir("."), .file("init", [0x23, 0x21]), .dir("kernel"), .dir("kernel/x86"), .dir("kernel/x86/microcode"),
                                      .file("kernel/x86/microcode/AuthenticAMD.bin", Self.milanContainer)])
        let inspection = try Self.inspect(main)
        #expect(inspection.image.earlyArchiveCount == 0)
        #expect(inspection.image.main.kind == .uncompressedCPIO)
        #expect(inspection.image.microcode.first?.isEarly == false)
        #expect(Self.revision(inspection, .linux, 0xa00f11) == 0xa0011d5)
    }

    // MARK: Intel rules

    @Test func intelHighestRevisionWhateverTheOrder() throws {
        let blob = ImageFixture.intel(revision: 0x300) + ImageFixture.intel(revision: 0x500) + ImageFixture.intel(revision: 0x400)
            + ImageFixture.intel(revision: 0x900, signature: 0x906ea)
        let inspection = try Self.inspect(ImageFixture.early(intel: blob))
        #expect(Self.revision(inspection, .linux, 0x50654) == 0x500)
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x500)
        let offset = try #require(inspection.members.first?.dataOffset)
        #expect(Self.prediction(inspection, .linux, 0x50654)?.candidate?.offset == offset + 1024)
    }

    @Test func platformFlagsAndExtendedSignatures() throws {
        let blob = ImageFixture.intel(revision: 0x10, platforms: 0x02)
            + ImageFixture.intel(revision: 0x20, signature: 0x50653, platforms: 0x80, extended: [(0x50654, 0x01)], total: 2048)
        let inspection = try Self.inspect(ImageFixture.early(intel: blob), cpus: [
            InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x01)),
            InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x02)),
            InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x04)),
        ])
        let revisions = inspection.predictions.map { $0.linux.candidate?.revision }
        #expect(revisions == [0x20, 0x10, nil])
        #expect(inspection.predictions.map { $0.xen.candidate?.revision } == revisions)
    }

    /// Linux drops the whole file for one bad update; Xen keeps what it found before it.
    @Test func malformedIntelFile() throws {
        var bad = ImageFixture.intel(revision: 0x600)
        bad[100] ^= 0xff
        let blob = ImageFixture.intel(revision: 0x500) + bad
        let bytes = ImageFixture.early(intel: blob)
        let inspection = try Self.inspect(bytes)
        let dataOffset = try #require(inspection.members.first?.dataOffset)
        #expect(Self.revision(inspection, .linux, 0x50654) == nil)
        #expect(Self.prediction(inspection, .linux, 0x50654)?.reason.contains("rejects the whole file: offset \(dataOffset + 1024 + 0x10)") == true)
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x500)
        let problem = try #require(inspection.firstProblem)
        #expect(problem.offset == dataOffset + 1024 + 0x10)
        guard case .image(.inMember(let name, let inner)) = problem.problem else {
            Issue.record("expected a member problem, got \(problem.problem)")
            return
        }
        #expect(name == "kernel/x86/microcode/GenuineIntel.bin")
        #expect(sameCase(inner, .microcode(.checksum(sum: 0))))
        // The sentence still says which member and what, in that order.
        #expect(problem.reason.hasPrefix("kernel/x86/microcode/GenuineIntel.bin: checksum is wrong"))
        #expect(problem.description.contains("initrd.img: offset \(dataOffset + 1024 + 0x10) ("))
    }

    @Test func trailingBytesMakeLinuxRejectTheFile() throws {
        let blob = ImageFixture.intel(revision: 0x500) + [1, 0, 0, 0, 9, 9, 9, 9]
        let inspection = try Self.inspect(ImageFixture.early(intel: blob))
        #expect(Self.revision(inspection, .linux, 0x50654) == nil)
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x500)
    }

    // MARK: AMD rules

    /// Linux takes the first container with a match; Xen the highest patch anywhere.
    @Test func amdLinuxFirstContainerXenHighestPatch() throws {
        let old = ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa001173, equivalenceID: 0xa011, size: 5568)])
        let new = ImageFixture.amdContainer([(0xa00f11, 0xa011), (0xa10f11, 0xa111)],
                                            patches: [ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011, size: 5568),
                                                      ImageFixture.amdPatch(id: 0xa101148, equivalenceID: 0xa111, size: 5568)])
        let inspection = try Self.inspect(ImageFixture.early(amd: old + new), cpus: [Self.milan, InspectedCPU(signature: CPUSignature(0xa10f11))])
        #expect(Self.revision(inspection, .linux, 0xa00f11) == 0xa001173)
        #expect(Self.revision(inspection, .xen, 0xa00f11) == 0xa0011d5)
        #expect(Self.revision(inspection, .linux, 0xa10f11) == 0xa101148)
        #expect(Self.revision(inspection, .xen, 0xa10f11) == 0xa101148)
    }

    /// Within the chosen container Linux keeps the last match.
    @Test func amdLinuxLastPatchOfTheContainer() throws {
        let container = ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [
            ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011, size: 5568),
            ImageFixture.amdPatch(id: 0xa001173, equivalenceID: 0xa011, size: 5568),
        ])
        let inspection = try Self.inspect(ImageFixture.early(amd: container))
        #expect(Self.revision(inspection, .linux, 0xa00f11) == 0xa001173)
        #expect(Self.revision(inspection, .xen, 0xa00f11) == 0xa0011d5)
    }

    @Test func xen417NeedsTheZeroEntry() throws {
        let container = ImageFixture.amdContainer([(0xa00f11, 0xa011)], terminator: false,
                                                  patches: [ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011, size: 5568)])
        let inspection = try Self.inspect(ImageFixture.early(amd: container))
        #expect(Self.revision(inspection, .linux, 0xa00f11) == 0xa0011d5)
        #expect(Self.revision(inspection, .xen, 0xa00f11) == nil)
        #expect(Self.prediction(inspection, .xen, 0xa00f11)?.reason.contains("Bad equivalent cpu table") == true)
        #expect(InspectReport(inspection).notes.contains { $0.contains("no all-zero last equivalence entry") })
    }

    @Test func xenSkipsOversizedPatches() throws {
        let container = ImageFixture.amdContainer([(0x800f12, 0x8012)], patches: [ImageFixture.amdPatch(id: 0x800126e, equivalenceID: 0x8012, size: 3300)])
        let inspection = try Self.inspect(ImageFixture.early(amd: container), cpus: [InspectedCPU(signature: CPUSignature(0x800f12))])
        #expect(Self.revision(inspection, .linux, 0x800f12) == 0x800126e)
        #expect(Self.revision(inspection, .xen, 0x800f12) == nil)
        #expect(Self.prediction(inspection, .xen, 0x800f12)?.notes.contains { $0.contains("over its 3200-byte limit") } == true)
    }

    @Test func xenStopsAtAConflictingEquivalenceMapping() throws {
        let first = ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa001173, equivalenceID: 0xa011, size: 5568)])
        let second = ImageFixture.amdContainer([(0xa00f11, 0xa012)], patches: [ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa012, size: 5568)])
        let inspection = try Self.inspect(ImageFixture.early(amd: first + second))
        #expect(Self.revision(inspection, .xen, 0xa00f11) == 0xa001173)
        #expect(Self.prediction(inspection, .xen, 0xa00f11)?.reason.contains("Equiv mismatch") == true)
    }

    @Test func amdAndIntelChainsTogether() throws {
        let fam17 = ImageFixture.amdContainer([(0x800f12, 0x8012)], patches: [ImageFixture.amdPatch(id: 0x800126e, equivalenceID: 0x8012, size: 3200)])
        let bytes = ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006) + ImageFixture.intel(revision: 0xf4, signature: 0x906ea, platforms: 0x22),
                                       amd: fam17 + Self.milanContainer)
        let inspection = try Self.inspect(bytes, cpus: [Self.skylake, Self.milan, InspectedCPU(signature: CPUSignature(0x800f12)),
                                                        InspectedCPU(signature: CPUSignature(0x906ea), platforms: PlatformFlags(0x02))])
        #expect(inspection.predictions.map { $0.linux.candidate?.revision } == [0x2007006, 0xa0011d5, 0x800126e, 0xf4])
        #expect(inspection.predictions.map { $0.xen.candidate?.revision } == [0x2007006, 0xa0011d5, 0x800126e, 0xf4])
        #expect(InspectReport(inspection).microcode.flatMap(\.updates).count == 4)
    }

    // MARK: Against the running revision

    @Test(arguments: [(UInt32(0x2006e05), RevisionComparison.newer, true), (0x2007006, .equal, false), (0x2007100, .older, false)])
    func intelComparedWithTheRunningRevision(running: UInt32, comparison: RevisionComparison, applies: Bool) throws {
        let cpu = InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(1), vendor: .intel, runningRevision: running, isHost: true)
        let inspection = try Self.inspect(ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006)), cpus: [cpu])
        let prediction = try #require(inspection.predictions.first)
        #expect(prediction.linux.comparison == comparison)
        #expect(prediction.linux.applies == applies)
        #expect(prediction.xen.applies == applies)
        let line = try #require(InspectReport(inspection).lines.first { $0.hasPrefix("  linux:") })
        #expect(line.contains(applies ? ": loaded" : ": not loaded"))
    }

    /// AMD loaders load the running patch again (for the SMT sibling).
    @Test func amdEqualRevisionIsLoadedAgain() throws {
        let cpu = InspectedCPU(signature: CPUSignature(0xa00f11), vendor: .amd, runningRevision: 0xa0011d5, isHost: true)
        let inspection = try Self.inspect(ImageFixture.early(amd: Self.milanContainer), cpus: [cpu])
        #expect(inspection.predictions.first?.linux.comparison == .equal)
        #expect(inspection.predictions.first?.linux.applies == true)
        #expect(inspection.predictions.first?.xen.applies == true)
    }

    // MARK: Other inputs

    @Test func bareIntelBlob() throws {
        let inspection = try Self.inspect(ImageFixture.intel(revision: 0x77) + ImageFixture.intel(revision: 0x88))
        #expect(inspection.image.kind == .bareBlob(.intel))
        #expect(inspection.members.first?.intel.count == 2)
        #expect(Self.revision(inspection, .linux, 0x50654) == nil)
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x88)
        #expect(InspectReport(inspection).kind == "intel-blob")
    }

    @Test func bareAMDBlob() throws {
        let inspection = try Self.inspect(Self.milanContainer)
        #expect(inspection.image.kind == .bareBlob(.amd))
        #expect(Self.revision(inspection, .xen, 0xa00f11) == 0xa0011d5)
        #expect(Self.revision(inspection, .xen, 0x50654) == nil)
    }

    @Test(.enabled(if: ImageFixture.hasGzip))
    func compressedEarlyPartIsNoticed() throws {
        let bytes = try ImageFixture.compress(ImageFixture.early(intel: ImageFixture.intel(revision: 1)) + ImageFixture.mainCPIO(), with: "gzip")
        let inspection = try Self.inspect(bytes)
        #expect(inspection.image.earlyArchiveCount == 0)
        #expect(inspection.compressedPeek == .microcodeInside("kernel/x86/microcode/GenuineIntel.bin"))
        #expect(InspectReport(inspection).main.compressedMicrocode == "kernel/x86/microcode/GenuineIntel.bin")
        #expect(Self.revision(inspection, .linux, 0x50654) == nil)
    }

    @Test func unrecognisedDataIsAnError() throws {
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 1))
        let directory = try TemporaryDirectory()
        let path = directory.file("image")
        try ImageFixture.write(early + Array("GARBAGE!".utf8) + [UInt8](repeating: 7, count: 200), to: path)
        let error = try #require(throws: InputError.self) { try ImageInspection.inspect(path: path, cpus: []) }
        #expect(error.offset == early.count)
        #expect(error.path == path)
        #expect(error.problem == .image(.unrecognisedData(atStart: false, bytes: "47 41 52 42")))
    }

    @Test func emptyFile() throws {
        let inspection = try Self.inspect([])
        #expect(inspection.image.kind == .empty)
        #expect(Self.revision(inspection, .linux, 0x50654) == nil)
    }

    /// A 100 MB image: only its front is read.
    @Test func largeImageReadsOnlyTheFront() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("big.img")
        let front = ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006)) + [0x28, 0xb5, 0x2f, 0xfd]
        try ImageFixture.write(front + ImageFixture.filler(1 << 20, seed: 5), to: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 100 << 20)
        try handle.close()
        let file = try ImageFile(path: path)
        let start = ContinuousClock.now
        let inspection = try ImageInspection.inspect(file, cpus: [Self.skylake])
        let elapsed = ContinuousClock.now - start
        #expect(Self.revision(inspection, .linux, 0x50654) == 0x2007006)
        #expect(file.size == 100 << 20)
        #expect(file.bytesRead < 2 << 20, "read \(file.bytesRead) bytes of a 100 MB image")
        #expect(elapsed < .seconds(2))
    }

    // MARK: Archives other tools write

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/iucode_tool")))
    func iucodeToolArchive() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.directory("intel-ucode")
        try ImageFixture.write(ImageFixture.intel(revision: 0x2006e05) + ImageFixture.intel(revision: 0x2007006), to: source + "/06-55-04")
        let early = directory.file("early.cpio")
        let result = try run("/usr/sbin/iucode_tool", ["-q", "--write-earlyfw=" + early, source])
        try #require(result.status == 0, "\(result.stderr)")
        let bytes = try ImageFixture.read(early) + ImageFixture.mainCPIO()
        let inspection = try Self.inspect(bytes)
        let member = try #require(inspection.members.first)
        #expect(member.name == "kernel/x86/microcode/GenuineIntel.bin")
        #expect(member.dataOffset % 16 == 0)
        #expect(member.intel.count == 1)         // iucode_tool keeps only the newest
        #expect(Self.revision(inspection, .linux, 0x50654) == 0x2007006)
        #expect(inspection.image.main.kind == .uncompressedCPIO)
        #expect(inspection.image.earlyArchiveCount == 1)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cpio")))
    func gnuCpioArchive() throws {
        let directory = try TemporaryDirectory()
        try directory.directory("tree/kernel/x86/microcode")
        try ImageFixture.write(Self.milanContainer, to: directory.file("tree/kernel/x86/microcode/AuthenticAMD.bin"))
        let result = try ImageFixture.shell("find kernel | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 > ../early.cpio", directory: directory.file("tree"))
        try #require(result.status == 0, "\(result.stderr)")
        let early = try ImageFixture.read(directory.file("early.cpio"))
        #expect(early.count % 512 == 0)
        let inspection = try Self.inspect(early + (ImageFixture.hasZstd ? try ImageFixture.compress(ImageFixture.mainCPIO(), with: "zstd") : []))
        #expect(Self.revision(inspection, .linux, 0xa00f11) == 0xa0011d5)
        #expect(Self.revision(inspection, .xen, 0xa00f11) == 0xa0011d5)
    }

    // MARK: Debian 13: a cpio of compressed modules, then the main archive

    static var hasDebian13Tools: Bool { ImageFixture.hasCpio && ImageFixture.hasZstd && ImageFixture.hasGzip }

    /// initramfs-tools 0.148's layout: both parts named, the compressed one peeked into.
    @Test(.enabled(if: hasDebian13Tools), arguments: ["zstd", "gzip"])
    func debian13Layout(compress: String) throws {
        let directory = try TemporaryDirectory()
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006))
        let d13 = try ImageFixture.debian13(early: early, compress: compress, in: directory)
        #expect(Array(d13.bytes.prefix(early.count)) == early)
        let path = directory.file("initrd.img")
        try ImageFixture.write(d13.bytes, to: path)
        let inspection = try ImageInspection.inspect(path: path, cpus: [Self.skylake, Self.milan])
        let image = inspection.image
        #expect(image.earlyArchiveCount == 1)
        let compression = try #require(Compression(rawValue: compress))
        let mainOffset = d13.early + d13.uncompressed
        #expect(image.parts == [
            TailPart(offset: d13.early, kind: .uncompressedCPIO, size: image.laterArchives.first?.size ?? -1, memberCount: d13.uncompressedMembers),
            TailPart(offset: mainOffset, kind: .compressed(compression), size: d13.bytes.count - mainOffset, memberCount: nil),
        ])
        // GNU cpio pads to 512; the archive itself ends at its trailer.
        #expect(d13.uncompressed % 512 == 0 && image.parts[0].end <= mainOffset && image.parts[0].end + 512 > mainOffset)
        #expect(image.main == MainPart(offset: d13.early, kind: .uncompressedCPIO))
        #expect(image.compressedPart?.offset == mainOffset)
        #expect(inspection.compressedPeek == .mainArchive)
        #expect(Self.revision(inspection, .linux, 0x50654) == 0x2007006)
        #expect(Self.revision(inspection, .xen, 0x50654) == 0x2007006)

        let report = InspectReport(inspection)
        #expect(report.main.kind == "uncompressed-cpio" && report.main.offset == d13.early)
        #expect(report.parts.map(\.kind) == ["uncompressed-cpio", compress])
        #expect(report.parts.map(\.offset) == [d13.early, mainOffset])
        let cpio = try #require(report.parts.first)
        #expect(cpio.members == d13.uncompressedMembers)
        #expect(cpio.kernelModules == d13.modules && cpio.firmwareFiles == d13.firmware)
        #expect(cpio.files == d13.modules + d13.firmware)
        #expect(cpio.directories == d13.uncompressedMembers - d13.modules - d13.firmware)
        #expect(cpio.firstNames == ["usr/lib/firmware/i915/tgl_dmc_ver2_12.bin.zst", "usr/lib/firmware/rtl_nic/rtl8168h-2.fw.zst",
                                    "usr/lib/modules/\(ImageFixture.debian13Kernel)/kernel/drivers/md/dm-mod.ko.xz"])
        #expect(report.parts[1].members == nil && report.parts[1].size == d13.bytes.count - mainOffset)
        let folders = d13.uncompressedMembers - d13.modules - d13.firmware
        let lines = report.lines
        #expect(lines.contains("after the early part: 2 parts, unpacked in turn, from offset \(d13.early)"))
        #expect(lines.contains("  uncompressed cpio at offset \(d13.early): \(image.parts[0].size) bytes, \(d13.uncompressedMembers) members "
            + "(3 kernel modules, 2 firmware files, \(folders) folders)"))
        #expect(lines.contains("  \(compress) at offset \(mainOffset): \(d13.bytes.count - mainOffset) bytes to the end"))
        #expect(!lines.contains { $0.hasPrefix("main archive:") })

        // The command line, text and JSON.
        let text = InProcess.run(["inspect", "--no-loaders", path, "--cpu", "0x50654,0x1"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdoutText.contains("\n  \(compress) at offset \(mainOffset): "))
        let json = InProcess.run(["inspect", "--no-loaders", path, "--cpu", "0x50654,0x1", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let main = try #require(object["main"] as? [String: Any])
        #expect(main["kind"] as? String == "uncompressed-cpio" && main["offset"] as? Int == d13.early)
        let parts = try #require(object["parts"] as? [[String: Any]])
        #expect(parts.map { $0["kind"] as? String } == ["uncompressed-cpio", compress])
        #expect(parts.first?["kernelModules"] as? Int == 3 && parts.first?["firmwareFiles"] as? Int == 2)
        #expect(parts.last?["offset"] as? Int == mainOffset && parts.last?["members"] == nil)
    }

    /// Microcode in an uncompressed cpio that is not early still counts, and is said to be there.
    @Test(.enabled(if: ImageFixture.hasGzip))
    func microcodeInTheUncompressedModulesArchiveStillCounts() throws {
        let early = ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006))
        let modules = ImageFixture.newc([.dir("."), .dir("usr"), .dir("usr/lib"), .file("usr/lib/x.ko.xz", ImageFixture.filler(900, seed: 5)),
                                         .dir("kernel"), .dir("kernel/x86"), .dir("kernel/x86/microcode"),
                                         .file("kernel/x86/microcode/AuthenticAMD.bin", Self.milanContainer)], padTo: 512)
        let main = try ImageFixture.compress(ImageFixture.mainCPIO(), with: "gzip")
        let inspection = try Self.inspect(early + modules + main)
        #expect(inspection.image.parts.map(\.kind) == [.uncompressedCPIO, .compressed(.gzip)])
        let amd = try #require(inspection.image.microcode.first { $0.vendor == .amd })
        #expect(!amd.isEarly && amd.isUsed)
        #expect(Self.revision(inspection, .linux, 0xa00f11) == 0xa0011d5)
        #expect(Self.revision(inspection, .xen, 0xa00f11) == 0xa0011d5)
        let lines = InspectReport(inspection).lines
        #expect(lines.contains("in the uncompressed cpio at offset \(early.count) (not an early archive):"))
        #expect(lines.contains { $0.hasPrefix("  uncompressed cpio at offset \(early.count): ") && $0.hasSuffix("(1 kernel module, 1 other file, 6 folders)") })
    }

    /// A compressed archive after the uncompressed one is peeked into as well.
    @Test(.enabled(if: ImageFixture.hasGzip))
    func compressedMicrocodeAfterAnUncompressedCpioIsPointedOut() throws {
        let modules = ImageFixture.newc([.dir("."), .file("usr/lib/x.ko.xz", ImageFixture.filler(900, seed: 5))], padTo: 512)
        let hidden = try ImageFixture.compress(ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006)), with: "gzip")
        let inspection = try Self.inspect(ImageFixture.early(amd: Self.milanContainer) + modules + hidden)
        #expect(inspection.compressedPeek == .microcodeInside("kernel/x86/microcode/GenuineIntel.bin"))
        let report = InspectReport(inspection)
        #expect(report.main.compressedMicrocode == nil)
        #expect(report.parts.last?.compressedMicrocode == "kernel/x86/microcode/GenuineIntel.bin")
        #expect(inspection.notes.contains { $0.contains("compressed, no early loader reads it") })
    }

    /// Several uncompressed archives that are not early: one part each.
    @Test func severalUncompressedParts() throws {
        let first = ImageFixture.newc([.dir("."), .file("a.ko.xz", [1, 2, 3])], padTo: 512)
        let second = ImageFixture.mainCPIO()
        let early = ImageFixture.early(amd: Self.milanContainer)
        let inspection = try Self.inspect(early + first + second + [UInt8](repeating: 0, count: 1024))
        #expect(inspection.image.parts.map(\.offset) == [early.count, early.count + first.count])
        #expect(inspection.image.parts.map(\.kind) == [.uncompressedCPIO, .uncompressedCPIO])
        #expect(inspection.image.compressedPart == nil)
        #expect(InspectReport(inspection).lines.contains("after the early part: 2 parts, unpacked in turn, from offset \(early.count)"))
    }

    @Test(.enabled(if: ImageFixture.realInitrd != nil))
    func realDebianInitrd() throws {
        let path = try #require(ImageFixture.realInitrd)
        let file = try ImageFile(path: path)
        let inspection = try ImageInspection.inspect(file, cpus: [Self.skylake, Self.milan])
        #expect(inspection.image.kind == .initrd)
        // mkinitramfs ends with a compressed main archive after any early archives.
        guard case .compressed = inspection.image.main.kind else {
            Issue.record("expected a compressed main archive, found \(inspection.image.main.description)")
            return
        }
        #expect(inspection.compressedPeek == .mainArchive)
        #expect(inspection.image.main.offset >= inspection.image.earlyEnd)
        #expect(file.bytesRead < max(4 << 20, inspection.image.main.offset + (4 << 20)))
    }
}
