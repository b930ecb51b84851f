import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// `efi enable|disable|status` in-process on ESP folders made here
/// (EFIFixture): Debian 12's Xen 4.17.7, which reads a raw vendor file,
/// and Debian 13's 4.20.4, which reads a cpio.
@Suite("efi commands")
struct EFICommandTests {
    struct World {
        let tmp: TemporaryDirectory
        let esp: String
        let firmware: String

        init() throws {
            tmp = try TemporaryDirectory("efi")
            esp = try EFIFixture.esp(in: tmp)
            firmware = try EFIFixture.firmware(in: tmp)
        }

        func run(_ arguments: [String]) -> InProcess.Result {
            InProcess.run(arguments, environment: ["SOURCE_DATE_EPOCH": "1700000000"], root: tmp.path)
        }

        func enable(_ extra: [String] = ["--cpu", "0xa00f11"]) -> InProcess.Result {
            run(["efi", "enable", "--esp", esp, "--no-config", "--firmware-dir", firmware] + extra)
        }
    }

    @Test func enableWritesWhatEachXenReadsAndDisableUndoesIt() throws {
        let world = try World()
        let before = try EFIFixture.snapshot(world.esp)
        let result = world.enable(["--cpu", "0xa00f11"])
        #expect(result.status == 0, "\(result.stderr)")

        // Xen 4.17.7: the raw AMD file; its configuration gains one line.
        let raw = try Fabricate.read(world.esp + "/EFI/BOOT/early-ucode.bin")
        #expect(raw == GoldenWorld.amd(patch: 0xa0011d5, date: 0x0311_2025))
        #expect(String(decoding: try Fabricate.read(world.esp + "/EFI/BOOT/BOOTX64.cfg"), as: UTF8.self)
            == EFIFixture.cfg417 + "ucode=early-ucode.bin # early-ucode\n")
        // Xen 4.20.4: the cpio build writes, for both sections.
        let cpio = try Fabricate.read(world.esp + "/EFI/xen/early-ucode.cpio")
        let built = world.run(["build", "--no-config", "--firmware-dir", world.firmware, "--cpu", "0xa00f11", "-o", world.tmp.file("build.cpio")])
        #expect(built.status == 0)
        #expect(cpio == (try Fabricate.read(world.tmp.file("build.cpio"))))
        // The backups are the old configurations.
        #expect(try Fabricate.read(world.esp + "/EFI/BOOT/BOOTX64.cfg.early-ucode.bak") == before["EFI/BOOT/BOOTX64.cfg"])
        #expect(try Fabricate.read(world.esp + "/EFI/xen/xen.cfg.early-ucode.bak") == before["EFI/xen/xen.cfg"])
        #expect(result.stdoutText.contains("[xen]: ucode=vendor.bin replaced by ucode=early-ucode.cpio"))
        // Nothing else changed; the admin's vendor.bin is still there.
        let after = try EFIFixture.snapshot(world.esp)
        for (name, bytes) in before where !name.hasSuffix(".cfg") { #expect(after[name] == bytes, "\(name)") }

        // A second run writes nothing.
        let again = world.enable(["--cpu", "0xa00f11"])
        #expect(again.status == 0)
        #expect(!again.stdoutText.contains("wrote"), "\(again.stdoutText)")
        #expect(try EFIFixture.snapshot(world.esp) == after)

        // disable: the configurations as they were, early-ucode's files gone (the backups stay).
        let disabled = world.run(["efi", "disable", "--esp", world.esp])
        #expect(disabled.status == 0, "\(disabled.stderr)")
        var restored = try EFIFixture.snapshot(world.esp)
        #expect(restored.removeValue(forKey: "EFI/BOOT/BOOTX64.cfg.early-ucode.bak") != nil)
        #expect(restored.removeValue(forKey: "EFI/xen/xen.cfg.early-ucode.bak") != nil)
        #expect(restored == before)
        #expect(world.run(["efi", "disable", "--esp", world.esp]).stdoutText.contains("wrote") == false)
    }

    /// The Xen image replaced by one that reads a cpio: the next enable
    /// writes the cpio, names it, and removes the raw file nothing names.
    @Test func aNewXenFormatReplacesTheOldFile() throws {
        let world = try World()
        #expect(world.enable().status == 0)
        #expect(FileManager.default.fileExists(atPath: world.esp + "/EFI/BOOT/early-ucode.bin"))
        try FileManager.default.removeItem(atPath: world.esp + "/EFI/BOOT/BOOTX64.EFI")
        try FileManager.default.copyItem(atPath: world.esp + "/EFI/xen/xen-4.20-amd64.efi", toPath: world.esp + "/EFI/BOOT/BOOTX64.EFI")
        let again = world.enable()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdoutText.contains("removed \(world.esp)/EFI/BOOT/early-ucode.bin (no configuration names it any more)"), "\(again.stdoutText)")
        #expect(!FileManager.default.fileExists(atPath: world.esp + "/EFI/BOOT/early-ucode.bin"))
        #expect(try Fabricate.read(world.esp + "/EFI/BOOT/early-ucode.cpio") == (try Fabricate.read(world.esp + "/EFI/xen/early-ucode.cpio")))
        #expect(String(decoding: try Fabricate.read(world.esp + "/EFI/BOOT/BOOTX64.cfg"), as: UTF8.self).contains("ucode=early-ucode.cpio # early-ucode\n"))
    }

    /// `..` in a ucode= value stops at the volume's root, as firmware paths do.
    @Test func ucodePathsStayOnTheESP() throws {
        let world = try World()
        try Fabricate.write("outside", to: world.tmp.file("outside.bin"))
        let folder = world.esp + "/EFI/xen"
        #expect(XenEFI.resolve(ucode: "..\\..\\..\\outside.bin", in: folder, esp: world.esp) == nil)
        try Fabricate.write("inside", to: world.esp + "/outside.bin")
        #expect(XenEFI.resolve(ucode: "..\\..\\..\\outside.bin", in: folder, esp: world.esp) == world.esp + "/outside.bin")
    }

    @Test func bothVendorsInARawFileSaysWhatWasLeftOut() throws {
        let world = try World()
        let result = world.enable(["--cpu", "0xa00f11", "--cpu", "0x50654,0x80"])
        #expect(result.status == 0, "\(result.stderr)")
        // No host CPUs under this root: Intel's is written.
        let warning = try #require(result.stderrLines.first { $0.contains("left out") })
        #expect(warning.contains("Xen 4.17.7"))
        #expect(warning.contains("wrote GenuineIntel.bin's updates, left out AuthenticAMD.bin's patches (0xa0011d5 for 0x00a00f11)"))
        #expect(warning.contains("--vendor amd"))
        let raw = try Fabricate.read(world.esp + "/EFI/BOOT/early-ucode.bin")
        #expect(raw == Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7))
        // The cpio for 4.20.4 holds both.
        let names = try Newc.walk(try Fabricate.read(world.esp + "/EFI/xen/early-ucode.cpio")).members.map(\.name)
        #expect(names.contains("kernel/x86/microcode/GenuineIntel.bin") && names.contains("kernel/x86/microcode/AuthenticAMD.bin"))
        // --vendor amd: the AMD file instead, and no warning.
        let amd = world.enable(["--cpu", "0xa00f11", "--cpu", "0x50654,0x80", "--vendor", "amd"])
        #expect(amd.status == 0)
        #expect(!amd.stderr.contains("left out"))
        #expect(try Fabricate.read(world.esp + "/EFI/BOOT/early-ucode.bin") == GoldenWorld.amd(patch: 0xa0011d5, date: 0x0311_2025))
    }

    @Test func damagedConfigurationIsOneErrorLineAndNothingIsWritten() throws {
        let world = try World()
        try Fabricate.write("[global]\ndefault=xen\n[]\nkernel=x\n", to: world.esp + "/EFI/xen/xen.cfg")
        let before = try EFIFixture.snapshot(world.esp)
        for arguments in [["efi", "enable", "--esp", world.esp, "--no-config", "--firmware-dir", world.firmware, "--cpu", "0xa00f11"],
                          ["efi", "disable", "--esp", world.esp], ["efi", "status", "--esp", world.esp]] {
            let result = world.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(result.stdoutText)")
            #expect(result.stderrLines == ["early-ucode: error: \(world.esp)/EFI/xen/xen.cfg:3: section without a name ('[]')"])
            #expect(try EFIFixture.snapshot(world.esp) == before)
        }
    }

    @Test func statusShowsEachSection() throws {
        let world = try World()
        let status = world.run(["efi", "status", "--esp", world.esp])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdoutText.contains("BOOTX64.cfg: read by Xen 4.17.7 (\(world.esp)/EFI/BOOT/BOOTX64.EFI); ucode= takes a raw vendor file: efi enable writes early-ucode.bin"))
        #expect(status.stdoutText.contains("  [xen] (default): no ucode=: Xen loads no microcode early"))
        #expect(status.stdoutText.contains("  [xen] (default): ucode=vendor.bin: Intel microcode file") == false)
        _ = world.enable()
        let json = world.run(["efi", "status", "--esp", world.esp, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let configs = try #require(object["configs"] as? [[String: Any]])
        #expect(configs.map { $0["format"] as? String } == ["raw", "cpio"])
        let sections = try #require(configs.last?["sections"] as? [[String: Any]])
        #expect(sections.map { $0["earlyUcode"] as? Bool } == [false, true, true])
    }

    @Test func xenCfgNamesOneConfiguration() throws {
        let world = try World()
        let result = world.run(["efi", "enable", "--xen-cfg", world.esp + "/EFI/xen/xen.cfg", "--no-config",
                                "--firmware-dir", world.firmware, "--cpu", "0xa00f11"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileIO.kind(world.esp + "/EFI/xen/early-ucode.cpio") == .regular)
        #expect(FileIO.kind(world.esp + "/EFI/BOOT/early-ucode.bin") == .missing)
    }

    @Test func aConfigurationWithoutItsXenGetsTheRawFile() throws {
        let world = try World()
        try FileManager.default.removeItem(atPath: world.esp + "/EFI/xen/xen-4.20-amd64.efi")
        let result = world.enable()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileIO.kind(world.esp + "/EFI/xen/early-ucode.bin") == .regular)
        #expect(result.stderr.contains("unknown version, so a raw file"))
    }

    @Test func unifiedXenEFIIsNoted() throws {
        let world = try World()
        try ImageFixture.write(EFIFixture.xenEFI(version: EFIFixture.xen417, ucodeSection: [1, 2, 3, 4]), to: world.esp + "/EFI/BOOT/BOOTX64.EFI")
        let result = world.enable()
        #expect(result.stderr.contains("carries a .ucode section of its own"))
    }

    /// As root, a folder ESP (not a mount point) someone else owns is refused, with the override named.
    @Test(.enabled(if: geteuid() == 0, "needs root"))
    func refusesAnESPFolderAUserOwns() throws {
        let world = try World()
        #expect(chown(world.esp + "/EFI/xen", 1000, 1000) == 0)
        let before = try EFIFixture.snapshot(world.esp)
        let result = world.enable()
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("refusing to write as root: the ESP is not a mount point"))
        #expect(result.stderr.contains("is owned by uid 1000") && result.stderr.contains("--allow-insecure-esp"))
        #expect(try EFIFixture.snapshot(world.esp) == before)
        #expect(chown(world.esp, 1000, 1000) == 0)
        #expect(world.enable().stderr.contains("owned by uid 1000"))
        let forced = world.enable(["--cpu", "0xa00f11", "--allow-insecure-esp"])
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    @Test func missingESP() {
        let result = InProcess.run(["efi", "status", "--esp", "/nonexistent/esp"])
        #expect(result.status == 1)
        #expect(result.stderrLines == ["early-ucode: error: /nonexistent/esp: no such folder: the EFI system partition is not mounted there (name it with --esp)"])
    }

    @Test func espKind() throws {
        #expect(try XenEFI.kind(of: "/") == .mountPoint)
        let tmp = try TemporaryDirectory("efi-kind")
        #expect(try XenEFI.kind(of: tmp.path) == .folder)
        #expect(throws: InputError.self) { try XenEFI.kind(of: tmp.file("none")) }
    }
}
