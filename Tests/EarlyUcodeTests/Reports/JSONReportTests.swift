import Foundation
import Testing

@testable import EarlyUcode

/// `rebuild --json` and `grub status --json` beyond their golden files:
/// the cases where nothing is written, and the text both still print.
@Suite("rebuild and grub status --json")
struct JSONReportTests {
    func object(_ result: InProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any], "\(result.stdoutText)")
    }

    let rebuild = ["rebuild", GoldenWorld.image, "--host", "--cpu", "0xa00f11"]

    @Test func rebuildTwiceIsUnchanged() throws {
        let world = try GoldenWorld()
        #expect(world.run(rebuild).status == 0)
        let again = world.run(rebuild + ["--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let report = try object(again)
        #expect(report["changed"] as? Bool == false)
        #expect(report["reason"] as? String == "the image already starts with exactly this early archive")
        #expect(report["backup"] == nil)
        #expect(report["size"] as? Int == report["oldSize"] as? Int)
        #expect((report["newArchive"] as? [String: Any])?["size"] as? Int == 3072)
    }

    @Test func rebuildWithNothingThatAppliesReadsNoImage() throws {
        let world = try GoldenWorld()
        let result = world.run(["rebuild", GoldenWorld.image, "--cpu", "0x906ea", "--json"])
        #expect(result.status == 0)
        let report = try object(result)
        #expect(report["changed"] as? Bool == false)
        #expect(report["reason"] as? String == "no microcode applies to the selected CPUs")
        #expect(report["output"] as? String == GoldenWorld.image)
        #expect(report["size"] == nil && report["oldSize"] == nil && report["newArchive"] == nil && report["main"] == nil)
        #expect((report["notes"] as? [String])?.isEmpty == false)
        #expect(result.stderr.contains("left unchanged"))
    }

    @Test func rebuildNoneRemovesAndWritesElsewhere() throws {
        let world = try GoldenWorld()
        let result = world.run(["rebuild", GoldenWorld.image, "--none", "-o", "$ROOT/boot/plain.img", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try object(result)
        #expect(report["changed"] as? Bool == true)
        #expect(report["output"] as? String == "$ROOT/boot/plain.img")
        #expect(report["newArchive"] == nil && report["backup"] == nil)
        #expect((report["removed"] as? [[String: Any]])?.count == 2)
        #expect((report["main"] as? [String: Any])?["offset"] as? Int == 0)
        #expect((report["oldMain"] as? [String: Any])?["offset"] as? Int == 3072)
    }

    /// The text comes from the same report.
    @Test func rebuildText() throws {
        let world = try GoldenWorld()
        let result = world.run(rebuild)
        #expect(result.stdoutText == """
            rebuilt $ROOT/boot/initrd.img-6.1.0-56-amd64: 4618 bytes (was 4618)
              new early archive: 3072 bytes at offset 0
                kernel/x86/microcode/AuthenticAMD.bin: 1 update, 564 bytes at offset 688
                kernel/x86/microcode/GenuineIntel.bin: 1 update, 1024 bytes at offset 1552
              removed kernel/x86/microcode/AuthenticAMD.bin (was at offset 540)
              removed kernel/x86/microcode/GenuineIntel.bin (was at offset 1404)
              dropped 1 early microcode archive
              main archive: zstd at offset 3072 (was at 3072), copied byte for byte
              old image kept as $ROOT/boot/initrd.img-6.1.0-56-amd64.bak

            """)
        #expect(world.run(rebuild).stdoutText == "$ROOT/boot/initrd.img-6.1.0-56-amd64: unchanged: the image already starts with exactly this early archive\n")
    }

    @Test func grubStatusOutdatedAndAbsent() throws {
        let world = try GoldenWorld()
        try Fabricate.write("EARLY_UCODE_XEN=yes\n", to: world.file("etc/default/early-ucode"))
        let outdated = try object(world.run(["grub", "status", "--json"]))
        #expect(outdated["earlyUcodeXen"] as? String == "yes")
        let fragment = try #require(outdated["fragment"] as? [String: Any])
        #expect(fragment["present"] as? Bool == true && fragment["mode"] as? String == "auto" && fragment["current"] as? Bool == false)
        #expect(world.run(["grub", "status"]).stdoutText.contains("zz-early-ucode.cfg: present, mode auto, outdated: run 'early-ucode grub enable'\n"))

        #expect(world.run(["grub", "disable"]).status == 0)
        let absent = world.run(["grub", "status", "--no-config", "--json"])
        let report = try object(absent)
        #expect(report["config"] == nil)
        #expect(report["earlyUcodeXen"] as? String == "auto")
        let absentFragment = try #require(report["fragment"] as? [String: Any])
        #expect(absentFragment["path"] as? String == "$ROOT/etc/default/grub.d/zz-early-ucode.cfg")
        #expect(absentFragment["present"] as? Bool == false && absentFragment["mode"] == nil && absentFragment["current"] == nil)
        #expect(report["normalCommandLine"] as? String == "dom0_mem=2G")
        #expect(world.run(["grub", "status", "--no-config"]).stdoutText == """
            EARLY_UCODE_XEN=auto (no configuration file: default)
            $ROOT/etc/default/grub.d/zz-early-ucode.cfg: absent
            update-grub gives Xen's normal entries:   dom0_mem=2G
            update-grub gives Xen's recovery entries: \("")

            """)
    }

    @Test func grubStatusUnreadableLines() throws {
        let world = try GoldenWorld()
        try Fabricate.write("GRUB_CMDLINE_XEN_DEFAULT=\"$(cat /etc/xen-options)\"\n", to: world.file("etc/default/grub.d/xen.cfg"))
        let result = world.run(["grub", "status", "--json"])
        #expect(result.status == 0)
        let unreadable = try #require(try object(result)["unreadable"] as? [[String: Any]])
        #expect(unreadable.count == 1)
        #expect(unreadable.first?["file"] as? String == "$ROOT/etc/default/grub.d/xen.cfg")
        #expect(unreadable.first?["line"] as? Int == 1)
        #expect(result.stderrLines.count == 1 && result.stderr.contains("warning"))
    }
}
