import Foundation
import Testing

@testable import EarlyUcode

@Suite("rebuild")
struct RebuildTests {
    static let newIntel = ImageFixture.intel(revision: 0x2007006)
    static let newAMD = ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011, size: 5568)])
    static let cpus = [InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(1)), InspectedCPU(signature: CPUSignature(0xa00f11))]

    /// A firmware folder with the new microcode, and the archive early-ucode builds from it.
    struct Setup {
        let directory: TemporaryDirectory
        let archive: EarlyArchive
        let archiveBytes: [UInt8]
        let image: String

        init(image bytes: [UInt8], cpus: [UInt32] = [0x50654, 0xa00f11]) throws {
            directory = try TemporaryDirectory()
            let firmware = try ImageFixture.firmware(in: directory, intel: ["06-55-04": newIntel], amd: ["microcode_amd_fam19h.bin": newAMD])
            archive = try ImageFixture.builtArchive(firmware: firmware, cpus: cpus)
            archiveBytes = try archive.bytes()
            image = directory.file("initrd.img")
            try ImageFixture.write(bytes, to: image)
        }

        func rebuild(_ options: ImageRebuild.Options = .init(), none: Bool = false) throws -> ImageRebuild.Result {
            try ImageRebuild.run(image: image, archive: none ? nil : archive, options: options)
        }

        func bytes(_ name: String = "initrd.img") throws -> [UInt8] { try ImageFixture.read(directory.file(name)) }
        func inspect(_ name: String = "initrd.img") throws -> ImageInspection { try ImageInspection.inspect(path: directory.file(name), cpus: cpus) }
    }

    static func mainPart(_ kind: InspectTests.Main) throws -> [UInt8] { try InspectTests.main(kind) }

    static let oldEarly = ImageFixture.early(intel: ImageFixture.intel(revision: 0x2006e05))
        + ImageFixture.early(amd: ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa001173, equivalenceID: 0xa011, size: 5568)]))

    // MARK: Layouts

    @Test(.enabled(if: ImageFixture.hasGzip && ImageFixture.hasZstd), arguments: InspectTests.Main.allCases, [0, 1, 2])
    func replacesTheEarlyPartKeepsTheRest(main kind: InspectTests.Main, oldArchives: Int) throws {
        let archives = [ImageFixture.early(intel: ImageFixture.intel(revision: 0x2006e05), padTo: 1024),
                        ImageFixture.early(amd: ImageFixture.amdContainer([(0xa00f11, 0xa011)], patches: [ImageFixture.amdPatch(id: 0xa001173, equivalenceID: 0xa011, size: 5568)]))]
        let front = archives.prefix(oldArchives).reduce([], +)
        let main = try Self.mainPart(kind)
        let original = front + main
        guard !original.isEmpty else { return }
        let setup = try Setup(image: original)
        let result = try setup.rebuild()
        #expect(result.changed)
        #expect(result.dropped == oldArchives)
        #expect(result.removed.count == oldArchives)
        let rebuilt = try setup.bytes()
        #expect(Array(rebuilt.prefix(setup.archiveBytes.count)) == setup.archiveBytes)
        #expect(Array(rebuilt.dropFirst(setup.archiveBytes.count)) == main)
        #expect(try setup.bytes("initrd.img.bak") == original)
        #expect(result.backup == setup.image + ".bak")
        #expect(!ImageFixture.exists(setup.image + ".tmp"))

        let inspection = try setup.inspect()
        #expect(inspection.image.earlyArchiveCount == 1)
        #expect(inspection.image.microcode.filter(\.isEarly).count == 2)
        #expect(inspection.predictions.map { $0.linux.candidate?.revision } == [0x2007006, 0xa0011d5])
        #expect(inspection.predictions.map { $0.xen.candidate?.revision } == [0x2007006, 0xa0011d5])
        #expect(inspection.image.main.offset == (kind == .none ? rebuilt.count : setup.archiveBytes.count))
    }

    @Test func otherEarlyArchivesStayByteForByte() throws {
        let acpi = ImageFixture.acpi()
        let main = ImageFixture.mainCPIO()
        let setup = try Setup(image: Self.oldEarly + acpi + main)
        let result = try setup.rebuild()
        #expect(result.kept == 1 && result.dropped == 2 && result.rewritten == 0)
        #expect(try setup.bytes() == setup.archiveBytes + acpi + main)
    }

    /// An archive with ACPI tables and microcode keeps the tables, loses the microcode.
    @Test func mixedArchiveIsRewrittenWithoutMicrocode() throws {
        let table = ImageFixture.filler(777, seed: 11)
        let mixed = ImageFixture.newc([.dir("."), .file("early_cpio", [0x31, 0x0a]), .dir("kernel"), .dir("kernel/firmware"), .dir("kernel/firmware/acpi"),
                                       ImageFixture.Entry(name: "kernel/firmware/acpi/dsdt.aml", mode: 0o100600, data: table, mtime: 1_234_567, uid: 7),
                                       .dir("kernel/x86"), .dir("kernel/x86/microcode"),
                                       .file("kernel/x86/microcode/GenuineIntel.bin", ImageFixture.intel(revision: 0x100))], padTo: 512)
        let main = ImageFixture.mainCPIO()
        let setup = try Setup(image: mixed + main)
        let result = try setup.rebuild()
        #expect(result.rewritten == 1)
        #expect(result.removed.map(\.name) == ["kernel/x86/microcode/GenuineIntel.bin"])
        let inspection = try setup.inspect()
        let image = inspection.image
        #expect(image.earlyArchiveCount == 2)
        let kept = image.earlyArchives[1].members
        #expect(kept.map(\.name) == [".", "early_cpio", "kernel", "kernel/firmware", "kernel/firmware/acpi", "kernel/firmware/acpi/dsdt.aml",
                                     "kernel/x86", "kernel/x86/microcode"])
        let dsdt = try #require(kept.first { $0.name == "kernel/firmware/acpi/dsdt.aml" })
        let rebuilt = try setup.bytes()
        #expect(Array(rebuilt[dsdt.dataRange]) == table)
        #expect(dsdt.mtime == 1_234_567 && dsdt.uid == 7 && dsdt.mode == 0o100600)
        #expect(image.microcode.filter(\.isEarly).map(\.archiveIndex) == [0, 0])
        #expect(Array(rebuilt.suffix(main.count)) == main)
    }

    @Test func refusesToRewriteArchivesItCannotReproduce() throws {
        let mixed = ImageFixture.newc(ImageFixture.microcodeDirs + [.symlink("kernel/firmware", to: "/lib/firmware"),
                                                                   .file("kernel/x86/microcode/GenuineIntel.bin", ImageFixture.intel(revision: 1))])
        let original = mixed + ImageFixture.mainCPIO()
        let setup = try Setup(image: original)
        let error = try #require(throws: InputError.self) { try setup.rebuild() }
        #expect(error.problem == .image(.sharesArchiveNotFileOrFolder("kernel/firmware")))
        #expect(try setup.bytes() == original)
        #expect(try setup.directory.contents().filter { $0 != ".initrd.img.lock" } == ["firmware", "initrd.img"])
    }

    // MARK: --none, idempotence, outputs

    @Test func noneRemovesEarlyMicrocodeOnly() throws {
        let acpi = ImageFixture.acpi()
        let main = try ImageFixture.compress(ImageFixture.mainCPIO(), with: "gzip")
        let setup = try Setup(image: Self.oldEarly + acpi + main)
        let result = try setup.rebuild(none: true)
        #expect(result.changed)
        #expect(result.newArchiveSize == 0)
        #expect(try setup.bytes() == acpi + main)
        let inspection = try setup.inspect()
        #expect(inspection.image.microcode.isEmpty)
        #expect(inspection.predictions.allSatisfy { $0.linux.candidate == nil && $0.xen.candidate == nil })
        let again = try setup.rebuild(none: true)
        #expect(!again.changed)
        #expect(again.unchangedReason?.contains("no early microcode") == true)
    }

    @Test func roundTripRestoresTheOriginal() throws {
        let original = try ImageFixture.compress(ImageFixture.mainCPIO(bulk: 100_000), with: "gzip")
        let setup = try Setup(image: original)
        _ = try setup.rebuild()
        #expect(try setup.bytes() != original)
        _ = try setup.rebuild(none: true)
        #expect(try setup.bytes() == original)
    }

    /// A second identical run writes nothing, so the backup still holds the real old image.
    @Test func secondRunIsANoOpAndKeepsTheBackup() throws {
        let original = Self.oldEarly + ImageFixture.mainCPIO()
        let setup = try Setup(image: original)
        _ = try setup.rebuild()
        let first = try setup.bytes()
        let again = try setup.rebuild()
        #expect(!again.changed)
        #expect(try setup.bytes() == first)
        #expect(try setup.bytes("initrd.img.bak") == original)
    }

    @Test func outputElsewhereLeavesTheImageAlone() throws {
        let original = Self.oldEarly + ImageFixture.mainCPIO()
        let setup = try Setup(image: original)
        let out = setup.directory.file("new.img")
        let result = try setup.rebuild(.init(output: out))
        #expect(result.output == out)
        #expect(result.backup == nil)
        #expect(try setup.bytes() == original)
        #expect(try setup.bytes("new.img").prefix(setup.archiveBytes.count) == setup.archiveBytes[...])
        #expect(!ImageFixture.exists(setup.image + ".bak"))
    }

    /// -o OUT always writes OUT, even when the image itself would not change.
    @Test func outputIsWrittenEvenWhenNothingChanges() throws {
        let original = ImageFixture.acpi() + ImageFixture.mainCPIO()
        let setup = try Setup(image: original)
        let out = setup.directory.file("copy.img")
        let result = try setup.rebuild(.init(output: out), none: true)
        #expect(result.changed)
        #expect(try setup.bytes("copy.img") == original)
        let inPlace = try setup.rebuild(none: true)
        #expect(!inPlace.changed)
    }

    @Test func noBackup() throws {
        let setup = try Setup(image: Self.oldEarly + ImageFixture.mainCPIO())
        let result = try setup.rebuild(.init(keepBackup: false))
        #expect(result.backup == nil)
        #expect(!ImageFixture.exists(setup.image + ".bak"))
    }

    @Test func keepsTheImageMode() throws {
        let setup = try Setup(image: Self.oldEarly + ImageFixture.mainCPIO())
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: setup.image)
        _ = try setup.rebuild()
        let mode = try FileManager.default.attributesOfItem(atPath: setup.image)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    // MARK: Refusals: nothing changes

    static func refusal(_ bytes: [UInt8], _ expected: Problem, offset: Int?) throws {
        let setup = try Setup(image: bytes)
        let error = try #require(throws: InputError.self) { try setup.rebuild() }
        #expect(sameCase(error.problem, expected), "\(error)")
        #expect(error.offset == offset, "\(error)")
        #expect(error.path == setup.image)
        #expect(try setup.bytes() == bytes)
        #expect(try setup.directory.contents().filter { $0 != ".initrd.img.lock" } == ["firmware", "initrd.img"])
    }

    @Test func refusesATruncatedCpio() throws {
        let whole = Self.oldEarly + ImageFixture.mainCPIO()
        let cut = Array(whole.prefix(whole.count - 600))
        let walk = try CPIOWalkerTests.walk(whole)
        let lastData = try #require(walk.members.last)
        try Self.refusal(cut, .archive(.memberPastEnd(name: "", needs: 0, left: 0)), offset: lastData.offset)
    }

    @Test(.enabled(if: ImageFixture.hasGzip))
    func refusesACompressedEarlyPart() throws {
        let bytes = try ImageFixture.compress(Self.oldEarly + ImageFixture.mainCPIO(), with: "gzip")
        try Self.refusal(bytes, .image(.compressedEarlyPart(.gzip, member: "")), offset: 0)
    }

    @Test func refusesABareBlob() throws {
        try Self.refusal(ImageFixture.intel(revision: 5), .image(.bareBlob(.intel)), offset: 0)
    }

    @Test func refusesUnknownData() throws {
        try Self.refusal(Self.oldEarly + Array("MZ\u{90}\0junkjunk".utf8) + [UInt8](repeating: 9, count: 300), .image(.unrecognisedData(atStart: false, bytes: "")), offset: Self.oldEarly.count)
    }

    @Test func refusesAnEmptyFile() throws {
        try Self.refusal([], .image(.emptyFile), offset: nil)
    }

    @Test func refusesToLeaveNothing() throws {
        let setup = try Setup(image: Self.oldEarly)
        let error = try #require(throws: InputError.self) { try setup.rebuild(none: true) }
        #expect(error.problem == .image(.onlyEarlyMicrocode))
        #expect(try setup.bytes() == Self.oldEarly)
    }

    @Test func refusesASymlink() throws {
        let setup = try Setup(image: Self.oldEarly + ImageFixture.mainCPIO())
        let link = setup.directory.file("initrd.link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: setup.image)
        #expect(throws: FileError.self) { try ImageRebuild.run(image: link, archive: setup.archive) }
    }

    // MARK: Locking

    /// Two runs on one image at once serialize: both succeed, the result is whole.
    @Test func concurrentRunsDoNotInterleave() throws {
        let main = ImageFixture.filler(3 << 20, seed: 77)
        let original = Self.oldEarly + [0x1f, 0x8b] + main
        let setup = try Setup(image: original)
        let other = try ImageFixture.builtArchive(firmware: setup.directory.file("firmware"), cpus: [0x50654])
        let expectedA = setup.archiveBytes + [0x1f, 0x8b] + main
        let expectedB = try other.bytes() + [0x1f, 0x8b] + main
        nonisolated(unsafe) var failures: [String] = []
        let lock = NSLock()
        let image = setup.image
        nonisolated(unsafe) let archives = [setup.archive, other]
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                _ = try ImageRebuild.run(image: image, archive: archives[index % 2])
            } catch {
                lock.lock()
                failures.append("\(error)")
                lock.unlock()
            }
        }
        #expect(failures.isEmpty)
        let final = try setup.bytes()
        #expect(final == expectedA || final == expectedB)
        let backup = try setup.bytes("initrd.img.bak")
        #expect(backup == expectedA || backup == expectedB || backup == original)
    }

    // MARK: Real inputs

    @Test(.enabled(if: ImageFixture.realInitrd != nil))
    func realDebianInitrd() throws {
        let path = try #require(ImageFixture.realInitrd)
        let original = try ImageFixture.read(path)
        let setup = try Setup(image: original)
        let before = try ImageInspection.inspect(path: setup.image, cpus: Self.cpus)
        _ = try setup.rebuild()
        let rebuilt = try setup.bytes()
        let after = try setup.inspect()
        #expect(after.predictions.map { $0.linux.candidate?.revision } == [0x2007006, 0xa0011d5])
        #expect(after.predictions.map { $0.xen.candidate?.revision } == [0x2007006, 0xa0011d5])
        // Everything from the main archive on is the original's, byte for byte.
        let mainStart = before.image.main.offset
        #expect(Array(rebuilt[after.image.main.offset...]) == Array(original[mainStart...]))
        #expect(try setup.bytes("initrd.img.bak") == original)
        _ = try setup.rebuild(none: true)
        if before.image.microcode.isEmpty && before.image.earlyArchiveCount == 0 {
            #expect(try setup.bytes() == original)
        }
    }

    /// With the distribution's microcode: rebuild writes what build selects, and both loaders take it.
    @Test(.enabled(if: ImageFixture.realFirmware != nil))
    func realFirmware() throws {
        let firmware = try #require(ImageFixture.realFirmware)
        let job = BuildJob(sources: MicrocodeSource.firmwareDirectory(firmware),
                           request: SelectionRequest(scope: .cpus([CPUTarget(signature: CPUSignature(0x50654), platforms: PlatformFlags(1)),
                                                                   CPUTarget(signature: CPUSignature(0xa00f11))])))
        let plan = try job.plan()
        let archive = try #require(plan.archive)
        let setup = try Setup(image: Self.oldEarly + (try ImageFixture.compress(ImageFixture.mainCPIO(), with: "gzip")))
        _ = try ImageRebuild.run(image: setup.image, archive: archive)
        let inspection = try setup.inspect()
        let intel = try #require(plan.selection.intel.first { $0.matches(CPUSignature(0x50654), PlatformFlags(1)) })
        let amd = try #require(plan.selection.amd.flatMap(\.patches).first)
        #expect(inspection.predictions.map { $0.linux.candidate?.revision } == [intel.revision, amd.patchID])
        #expect(inspection.predictions.map { $0.xen.candidate?.revision } == [intel.revision, amd.patchID])
    }

    // MARK: Debian 13: both parts after the early archives stay byte for byte

    /// initramfs-tools 0.148's layout (see `ImageFixture.debian13`): the
    /// uncompressed cpio of compressed modules and the compressed main
    /// archive come through untouched, each where the new early part ends.
    @Test(.enabled(if: InspectTests.hasDebian13Tools), arguments: ["zstd", "gzip"])
    func debian13ImageKeepsBothParts(compress: String) throws {
        let made = try TemporaryDirectory()
        let d13 = try ImageFixture.debian13(early: Self.oldEarly, compress: compress, in: made)
        let original = d13.bytes
        let setup = try Setup(image: original)
        let before = try setup.inspect()
        #expect(before.image.parts.count == 2)
        let result = try setup.rebuild()
        #expect(result.changed && result.dropped == 2)
        let rebuilt = try setup.bytes()
        let delta = setup.archiveBytes.count - d13.early
        #expect(result.oldParts == before.image.parts)
        #expect(result.parts == before.image.parts.map { $0.moved(by: delta) })
        for (old, new) in zip(result.oldParts, result.parts) {
            #expect(Array(rebuilt[new.offset..<new.end]) == Array(original[old.offset..<old.end]), "\(new.description)")
        }
        #expect(Array(rebuilt.prefix(setup.archiveBytes.count)) == setup.archiveBytes)
        #expect(Array(rebuilt.dropFirst(setup.archiveBytes.count)) == Array(original.dropFirst(d13.early)))

        let after = try setup.inspect()
        #expect(after.image.parts == result.parts)
        #expect(after.compressedPeek == .mainArchive)
        #expect(after.predictions.map { $0.linux.candidate?.revision } == [0x2007006, 0xa0011d5])
        #expect(after.predictions.map { $0.xen.candidate?.revision } == [0x2007006, 0xa0011d5])

        // The way back: --none leaves the two parts alone too.
        _ = try setup.rebuild(none: true)
        #expect(try setup.bytes() == Array(original.dropFirst(d13.early)))

        // The command line names both parts.
        try ImageFixture.write(original, to: setup.image)
        let cli = InProcess.run(["rebuild", setup.image, "--firmware-dir", setup.directory.file("firmware"), "--cpu", "0x50654,0x1", "--cpu", "0xa00f11",
                                 "-o", setup.directory.file("out.img")])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdoutText.contains("  after the early part, 2 parts copied byte for byte:\n"))
        #expect(cli.stdoutText.contains("    uncompressed cpio at offset \(setup.archiveBytes.count) (was at \(d13.early)), \(result.parts[0].size) bytes\n"))
        #expect(cli.stdoutText.contains("    \(compress) at offset \(result.parts[1].offset) (was at \(result.oldParts[1].offset)), "))
    }

    /// A compressed early part after the uncompressed cpio is refused too.
    @Test(.enabled(if: ImageFixture.hasGzip))
    func refusesACompressedEarlyPartAfterAnUncompressedCpio() throws {
        let modules = ImageFixture.newc([.dir("."), .file("usr/lib/x.ko.xz", ImageFixture.filler(900, seed: 5))], padTo: 512)
        let hidden = try ImageFixture.compress(ImageFixture.early(intel: ImageFixture.intel(revision: 0x2007006)), with: "gzip")
        try Self.refusal(Self.oldEarly + modules + hidden, .image(.compressedEarlyPart(.gzip, member: "")), offset: Self.oldEarly.count + modules.count)
    }

    /// The read-back check compares every part: one that moved or changed kind is a failure, and nothing is replaced.
    @Test(.enabled(if: ImageFixture.hasGzip))
    func verifyChecksEachPart() throws {
        let modules = ImageFixture.newc([.dir("."), .file("usr/lib/x.ko.xz", ImageFixture.filler(900, seed: 5))], padTo: 512)
        let main = try ImageFixture.compress(ImageFixture.mainCPIO(), with: "gzip")
        let bytes = ImageFixture.acpi() + modules + main
        let directory = try TemporaryDirectory()
        let path = directory.file("initrd.img")
        try ImageFixture.write(bytes, to: path)
        let file = try ImageFile(path: path)
        let image = try BootImage.read(file)
        // Verified against itself: as if everything from the first part on was kept.
        var written = ImageRebuild.Layout.Written(size: bytes.count, segmentOffsets: [], restOffset: 0, main: image.main, parts: image.parts)
        try ImageRebuild.verify(path, written: written, placements: [])
        written.parts[1] = written.parts[1].moved(by: 4)
        let moved = try #require(throws: InputError.self) {
            try ImageRebuild.verify(path, written: written, placements: [])
        }
        guard case .image(.verifyFailed(let what)) = moved.problem else { Issue.record("\(moved)"); return }
        #expect(what.hasPrefix("part 2 after the early archives is gzip at offset \(image.parts[1].offset)"))
        written.parts.removeLast()
        let missing = try #require(throws: InputError.self) {
            try ImageRebuild.verify(path, written: written, placements: [])
        }
        #expect(missing.problem == .image(.verifyFailed("2 parts after the early archives, 1 meant")))
    }

    // MARK: The command line

    @Test func commandLineErrorsAreOneLine() throws {
        let whole = Self.oldEarly + ImageFixture.mainCPIO()
        let setup = try Setup(image: Array(whole.prefix(whole.count - 600)))
        let result = InProcess.run(["rebuild", setup.image, "--none"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("early-ucode: error: \(setup.image): offset ") == true)
        #expect(try setup.bytes() == Array(whole.prefix(whole.count - 600)))

        let inspect = InProcess.run(["inspect", "--no-loaders", setup.image, "--cpu", "0x50654"])
        #expect(inspect.status == 1)
        #expect(inspect.stderr.split(separator: "\n").count == 1)
    }

    @Test func commandLineRebuildAndInspect() throws {
        let setup = try Setup(image: Self.oldEarly + ImageFixture.mainCPIO())
        let firmware = setup.directory.file("firmware")
        let rebuilt = InProcess.run(["rebuild", setup.image, "--firmware-dir", firmware, "--cpu", "0x50654,0x1", "--cpu", "0xa00f11"],
                                    environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(rebuilt.stdoutText.contains("old image kept as \(setup.image).bak"))
        let inspect = InProcess.run(["inspect", "--no-loaders", setup.image, "--cpu", "0x50654,0x1", "--cpu", "0xa00f11"])
        #expect(inspect.status == 0)
        #expect(inspect.stdoutText.contains("  linux: 0x2007006 "))
        #expect(inspect.stdoutText.contains("  xen:   0xa0011d5 "))
        let json = InProcess.run(["inspect", "--no-loaders", setup.image, "--cpu", "0xa00f11", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let loads = try #require(object["loads"] as? [[String: Any]])
        #expect((loads.first?["xen"] as? [String: Any])?["revision"] as? String == "0xa0011d5")
        let none = InProcess.run(["rebuild", setup.image, "--none", "--cpu", "0x1"])
        #expect(none.status == 64)
    }

    /// rebuild builds with the settings the initramfs hook uses.
    @Test func commandLineRebuildReadsTheConfiguration() throws {
        let original = Self.oldEarly + ImageFixture.mainCPIO()
        let setup = try Setup(image: original)
        let firmware = setup.directory.file("firmware")
        let config = setup.directory.file("early-ucode.conf")

        try ImageFixture.write(Array("EARLY_UCODE=no\n".utf8), to: config)
        let off = InProcess.run(["rebuild", setup.image, "--config", config, "--firmware-dir", firmware])
        #expect(off.status == 1)
        #expect(off.stderr.contains("EARLY_UCODE=no"))
        #expect(try setup.bytes() == original)

        try ImageFixture.write(Array("EARLY_UCODE=auto\nEARLY_UCODE_CPUS=\"0xa00f11\"\nEARLY_UCODE_FIRMWARE_DIRS=\"\(firmware)\"\n".utf8), to: config)
        let on = InProcess.run(["rebuild", setup.image, "--config", config, "--cpuinfo", "/dev/null/none"])
        // The host's CPU list is unreadable here: --host is implied by auto, so this must fail cleanly...
        #expect(on.status == 1)
        #expect(try setup.bytes() == original)
        // ...while naming the CPU on the command line uses the configuration's firmware folder.
        let named = InProcess.run(["rebuild", setup.image, "--config", config, "--cpu", "0xa00f11"])
        #expect(named.status == 0, "\(named.stderr)")
        let inspect = InProcess.run(["inspect", "--no-loaders", setup.image, "--cpu", "0xa00f11"])
        #expect(inspect.stdoutText.contains("  linux: 0xa0011d5 "))
    }
}
