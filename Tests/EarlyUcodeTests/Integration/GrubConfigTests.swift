import Testing

@testable import EarlyUcode

@Suite("GrubConfig: Xen entries in grub.cfg")
struct BootGrubConfigTests {
    func load(_ text: String) throws -> GrubConfig {
        try GrubConfig(Array(text.utf8), path: "grub.cfg")
    }

    @Test func debianEntries() throws {
        let cfg = try load(BootFixtures.debianGrubCfg)
        #expect(cfg.entries.count == 3)
        #expect(cfg.xenEntries.count == 3)
        #expect(cfg.entries.map(\.isRecovery) == [false, false, true])
        let advanced = cfg.entries[1]
        #expect(advanced.submenus == ["Advanced options for GNU/Linux (with Xen hypervisor)", "Xen hypervisor, version 4.17-amd64"])
        #expect(advanced.id == "xen-gnulinux-6.1.0-56-amd64-advanced-/dev/vda1")
        #expect(advanced.modules.map(\.file) == ["/vmlinuz-6.1.0-56-amd64", "/initrd.img-6.1.0-56-amd64"])
        #expect(advanced.modules.allSatisfy { $0.extraFiles.isEmpty })
        #expect(advanced.xenCommandLine?.words == ["dom0_mem=2G", "ucode=scan", "${xen_rm_opts}"])
        #expect(advanced.xenCommandLine?.microcode.scan == true)
        #expect(cfg.entries[2].xenCommandLine?.microcode.isSet == false)
    }

    @Test func singleLineLayoutFromDebiansScript() throws {
        let cfg = try load(BootFixtures.debianGrubCfgSingleLine)
        for entry in cfg.xenEntries {
            let initrd = try #require(entry.modules.last)
            #expect(entry.modules.count == 2)
            #expect(initrd.file == "/intel-ucode.img")
            #expect(initrd.hasStockEarlyName)
            #expect(initrd.extraFiles == ["/initrd.img-6.1.0-56-amd64"])
            let findings = ReadinessCheck.xenEntryFindings(entry, path: "grub.cfg", wantsScan: true, fix: "")
            #expect(findings.contains { $0.level == .problem && $0.message.contains("GRUB loads only /intel-ucode.img") && $0.line == initrd.line })
        }
    }

    @Test func quotingCommentsAndBlocks() throws {
        let cfg = try load("""
            function load_video {
              insmod all_video
            }
            # menuentry 'commented' {
            menuentry "Xen \\"test\\"" $menuentry_id_option 'x' { multiboot2 /boot/xen.gz placeholder ucode=2 ; module2 /boot/vmlinuz x
              module2 /boot/initrd.img-1 # the initrd
              module2 /boot/GenuineIntel.bin
            }
            menuentry 'Linux' { linux /vmlinuz; initrd /intel-ucode.img /initrd.img }
            """)
        #expect(cfg.entries.map(\.title) == ["Xen \"test\"", "Linux"])
        let xen = cfg.entries[0]
        #expect(xen.isXen && !cfg.entries[1].isXen)
        #expect(xen.modules.map(\.file) == ["/boot/vmlinuz", "/boot/initrd.img-1", "/boot/GenuineIntel.bin"])
        #expect(xen.xenCommandLine?.microcode.moduleIndex == 2)
    }

    @Test(arguments: ["menuentry 'x' {\n", "}\n", "menuentry 'x'\n"])
    func unbalancedIsAnErrorWithLine(text: String) {
        #expect(throws: InputError.self) { try load(text) }
    }

    @Test(arguments: [
        (["ucode=scan"], true, nil as Int?),
        (["ucode=scan,nmi=0"], true, nil),
        (["ucode=1"], false, 1),
        (["ucode=-1"], false, -1),
        (["ucode=0x2"], false, 2),
        (["ucode=no-scan"], false, nil),
        (["ucode=scan", "ucode=no-scan"], false, nil),
        (["ucode=scan=yes,digest-check=off"], true, nil),
        (["dom0_mem=2G"], false, nil),
    ])
    func ucodeOption(words: [String], scan: Bool, index: Int?) {
        let microcode = XenCommandLine(words: words).microcode
        #expect(microcode.scan == scan)
        #expect(microcode.moduleIndex == index)
        #expect(microcode.invalid.isEmpty)
    }

    @Test func invalidUcodeElement() {
        #expect(XenCommandLine(words: ["ucode=scna"]).microcode.invalid == ["scna"])
    }

    func entry(_ xenArguments: String, modules: [String], id: String = "xen-gnulinux-6.1-advanced-x") throws -> GrubMenuEntry {
        var text = "menuentry 'Xen' $menuentry_id_option '\(id)' {\n  multiboot2 /xen.gz placeholder \(xenArguments)\n"
        for module in modules { text += "  module2 \(module)\n" }
        text += "}\n"
        return try #require(try load(text).entries.first)
    }

    @Test(arguments: [
        ("ucode=scan", ["/vmlinuz placeholder root=/dev/sda1", "--nounzip /initrd.img-6.1"], Finding.Level.ok, "ucode=scan: Xen looks"),
        ("dom0_mem=1G", ["/vmlinuz placeholder", "--nounzip /initrd.img-6.1"], .problem, "no ucode=scan"),
        ("ucode=1", ["/vmlinuz placeholder", "--nounzip /initrd.img-6.1"], .problem, "dom0's initrd, as a raw microcode blob"),
        ("ucode=-1", ["/vmlinuz placeholder", "--nounzip /initrd.img-6.1", "/GenuineIntel.bin"], .ok, "module 2 (/GenuineIntel.bin) as a raw microcode blob"),
        ("ucode=0", ["/vmlinuz placeholder", "--nounzip /initrd.img-6.1"], .problem, "names no module"),
        ("ucode=5,scan", ["/vmlinuz placeholder", "--nounzip /initrd.img-6.1"], .warning, "falls back to ucode=scan"),
        ("ucode=scan", ["/vmlinuz placeholder"], .problem, "no module after dom0's kernel"),
    ])
    func entryFindings(xen: String, modules: [String], level: Finding.Level, text: String) throws {
        let findings = ReadinessCheck.xenEntryFindings(try entry(xen, modules: modules), path: "grub.cfg", wantsScan: true, fix: "run update-grub")
        #expect(findings.contains { $0.level == level && $0.message.contains(text) }, "\(findings.map(\.text))")
        #expect(findings.allSatisfy { $0.line == 2 })
    }

    @Test func recoveryEntries() throws {
        let without = try entry("", modules: ["/vmlinuz placeholder single", "/initrd.img-6.1"], id: "xen-gnulinux-6.1-recovery-x")
        #expect(without.isRecovery)
        #expect(ReadinessCheck.xenEntryFindings(without, path: "g", wantsScan: true, fix: "").map(\.level) == [.ok])
        let with = try entry("ucode=scan", modules: ["/vmlinuz placeholder single", "/initrd.img-6.1"], id: "xen-gnulinux-6.1-recovery-x")
        #expect(ReadinessCheck.xenEntryFindings(with, path: "g", wantsScan: true, fix: "").map(\.level) == [.warning])
    }
}
