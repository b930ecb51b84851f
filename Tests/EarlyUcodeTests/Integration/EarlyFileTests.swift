import Foundation
import Testing

@testable import EarlyUcode

/// `early-ucode early-file` in-process, in a generated root: GRUB 2.12's
/// script lets it on, 2.06's refuses it; the archive is the one `build
/// --config` writes; a file another tool wrote is never replaced.
@Suite("early-file")
struct EarlyFileTests {
    /// The lines of Debian's 20_linux_xen that tell the two GRUBs apart
    /// (2.06-13+deb12u2 and 2.12-9+deb13u4, read in their packages).
    static let grub206 = """
        initrd_early=
        for i in ${GRUB_EARLY_INITRD_LINUX_STOCK} \\
                 ${GRUB_EARLY_INITRD_LINUX_CUSTOM}; do
        done
            initrd_path=
            for i in ${initrd}; do
               initrd_path="${initrd_path} ${rel_dirname}/${i}"
            done
            sed "s/^/$submenu_indentation/" << EOF
        \t${module_loader}\t--nounzip   $(echo $initrd_path)
        EOF

        """
    static let grub212 = """
        initrd_early=
        for i in ${GRUB_EARLY_INITRD_LINUX_STOCK} \\
                 ${GRUB_EARLY_INITRD_LINUX_CUSTOM}; do
        done
            initrd_path=
            for i in ${initrd}; do
               initrd_path="${rel_dirname}/${i}"
               sed "s/^/$submenu_indentation/" << EOF
        \t${module_loader}\t--nounzip   $(echo $initrd_path)
        EOF
            done

        """
    /// GRUB 2.02's script: no early initrds at all.
    static let grub202 = "\tmodule2\t--nounzip   ${rel_dirname}/${initrd}\n"

    /// A root with GRUB's Xen script, a configuration for two CPUs, and
    /// microcode for them.
    final class Root {
        let directory: TemporaryDirectory
        var path: String { directory.path }
        var boot: String { directory.file("boot") }
        var earlyFile: String { directory.file("boot/early_ucode.cpio") }
        var marker: String { directory.file("var/lib/early-ucode/early-file") }

        init(grub: String) throws {
            directory = try TemporaryDirectory("early-file-root")
            for dir in ["boot", "etc/grub.d", "etc/default", "var/lib", "fw/intel-ucode", "fw/amd-ucode", "proc"] {
                try directory.directory(dir)
            }
            try Fabricate.write(grub, to: directory.file("etc/grub.d/20_linux_xen"))
            try Fabricate.write(Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7),
                                to: directory.file("fw/intel-ucode/06-55-04"))
            try Fabricate.write(Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)],
                                                       patches: [Fabricate.amdPatch(patchID: 0xa0011d5, equivalenceID: 0xa011, date: 0x0311_2025)]),
                                to: directory.file("fw/amd-ucode/microcode_amd_fam19h.bin"))
            try configure(cpus: "0x50654 0xa00f11")
        }

        func configure(cpus: String) throws {
            try Fabricate.write("EARLY_UCODE=auto\nEARLY_UCODE_CPUS=\"\(cpus)\"\nEARLY_UCODE_FIRMWARE_DIRS=\(path)/fw\n",
                                to: directory.file("etc/default/early-ucode"))
            // This host: one 06-55-04 (0x50654).
            try Fabricate.write(Fabricate.cpuinfo([Fabricate.FakeCPU(number: 0)]), to: directory.file("proc/cpuinfo"))
        }

        func run(_ arguments: [String]) -> InProcess.Result {
            InProcess.run(arguments, environment: ["SOURCE_DATE_EPOCH": "1700000000"], root: path)
        }

        /// What `build --config` writes for the same configuration.
        func built() throws -> [UInt8] {
            let out = directory.file("built.cpio")
            let result = run(["build", "--config", directory.file("etc/default/early-ucode"), "-o", out])
            #expect(result.status == 0, "\(result.stderr)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            return try Fabricate.read(out)
        }
    }

    @Test func enableUpdateStatusDisable() throws {
        let root = try Root(grub: Self.grub212)
        let enabled = root.run(["early-file", "enable"])
        #expect(enabled.status == 0, "\(enabled.stderr)")
        #expect(enabled.stdoutText.contains("early-file mode on (\(root.marker))"))
        #expect(enabled.stdoutText.contains("wrote \(root.earlyFile): "))
        #expect(try Fabricate.read(root.earlyFile) == root.built())
        let marker = try String(contentsOfFile: root.marker, encoding: .utf8)
        #expect(marker.hasPrefix(EarlyFile.markerHeader))
        #expect(!marker.contains("boot-dir="))

        // Again: nothing changes.
        let again = root.run(["early-file", "enable"])
        #expect(again.stdoutText.contains("unchanged: early-file mode is on"))
        #expect(again.stdoutText.contains("unchanged: \(root.earlyFile)"))

        let status = root.run(["early-file", "status"])
        #expect(status.status == 0)
        #expect(status.stdoutText.contains("early-file mode: on"))
        #expect(status.stdoutText.contains("early-ucode's archive (AuthenticAMD.bin GenuineIntel.bin), up to date"))
        #expect(status.stdoutText.contains("(GRUB 2.12): the early file works"))

        // The configuration changes: update rewrites the file, and only it.
        #expect(root.run(["early-file", "update"]).stdoutText.contains("unchanged: \(root.earlyFile)"))
        try root.configure(cpus: "0x50654")
        #expect(root.run(["early-file", "status"]).stdoutText.contains("out of date: run 'early-ucode early-file update'"))
        let updated = root.run(["early-file", "update"])
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(updated.stdoutText.contains("wrote \(root.earlyFile)"))
        #expect(try Fabricate.read(root.earlyFile) == root.built())
        let members = try Newc.walk(try Fabricate.read(root.earlyFile)).0.map(\.name)
        #expect(!members.contains(Vendor.amd.archiveMember))

        let disabled = root.run(["early-file", "disable"])
        #expect(disabled.status == 0)
        #expect(disabled.stdoutText.contains("early-file mode off"))
        #expect(!FileManager.default.fileExists(atPath: root.earlyFile))
        #expect(!FileManager.default.fileExists(atPath: root.marker))
        #expect(root.run(["early-file", "update"]).stdoutText.contains("unchanged: early-file mode is off"))
        #expect(!FileManager.default.fileExists(atPath: root.earlyFile))
    }

    /// --root DIR works on the system below DIR, as the context's root does;
    /// a --boot-dir given to enable is recorded, and update finds it.
    @Test func rootAndRecordedBootFolder() throws {
        let root = try Root(grub: Self.grub212)
        let other = try root.directory.directory("mnt/boot")
        let enabled = InProcess.run(["early-file", "enable", "--root", root.path, "--boot-dir", other],
                                    environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(enabled.status == 0, "\(enabled.stderr)")
        #expect(FileManager.default.fileExists(atPath: other + "/early_ucode.cpio"))
        #expect(!FileManager.default.fileExists(atPath: root.earlyFile))
        #expect(try String(contentsOfFile: root.marker, encoding: .utf8).contains("\nboot-dir=\(other)\n"))
        try FileManager.default.removeItem(atPath: other + "/early_ucode.cpio")
        let updated = root.run(["early-file", "update"])
        #expect(updated.stdoutText.contains("wrote \(other)/early_ucode.cpio"), "\(updated.stdoutText)")
        #expect(root.run(["early-file", "disable"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: other + "/early_ucode.cpio"))
    }

    /// GRUB 2.06 (one module2 line), 2.02 (no early initrds), no script:
    /// exit 1, one line naming the script, nothing written.
    @Test(arguments: [(grub206, "one module2 line"), (grub202, "loads no early initrd files"), (nil, "not found")])
    func refused(_ script: String?, _ words: String) throws {
        let root = try Root(grub: script ?? "")
        if script == nil { try FileManager.default.removeItem(atPath: root.directory.file("etc/grub.d/20_linux_xen")) }
        let result = root.run(["early-file", "enable"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("early-ucode: error: \(root.directory.file("etc/grub.d/20_linux_xen")): "))
        #expect(result.stderr.contains(words))
        #expect(!FileManager.default.fileExists(atPath: root.earlyFile))
        #expect(!FileManager.default.fileExists(atPath: root.marker))
        #expect(root.run(["early-file", "status"]).stdoutText.contains("GRUB: "))
    }

    @Test func refusedWhenTheStockListLacksTheName() throws {
        let root = try Root(grub: Self.grub212)
        try Fabricate.write("GRUB_EARLY_INITRD_LINUX_STOCK=\"intel-ucode.img\"\n", to: root.directory.file("etc/default/grub"))
        let result = root.run(["early-file", "enable"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("GRUB_EARLY_INITRD_LINUX_STOCK is set (\(root.directory.file("etc/default/grub")):1) without early_ucode.cpio"))
    }

    /// Another tool's /boot/early_ucode.cpio is left alone (an archive as
    /// Debian's hooks write it, GNU cpio's inode numbers).
    @Test func anotherToolsFileIsLeftAlone() throws {
        let root = try Root(grub: Self.grub212)
        let theirs = ImageFixture.early(intel: Fabricate.intelUpdate(revision: 1, signature: 0x50654))
        try Fabricate.write(theirs, to: root.earlyFile)
        #expect(try ArchiveOrigin.front(of: root.earlyFile) == .otherMicrocode)
        let result = root.run(["early-file", "enable"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(root.earlyFile): exists and was not written by early-ucode"))
        #expect(try Fabricate.read(root.earlyFile) == theirs)
        #expect(root.run(["early-file", "disable"]).status == 1)
        #expect(try Fabricate.read(root.earlyFile) == theirs)
        // With the mode on, a refused disable leaves the marker too: nothing changed.
        try FileManager.default.createDirectory(atPath: (root.marker as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Fabricate.write("\(EarlyFile.markerHeader)\n", to: root.marker)
        #expect(root.run(["early-file", "disable"]).status == 1)
        #expect(FileManager.default.fileExists(atPath: root.marker))
        #expect(try Fabricate.read(root.earlyFile) == theirs)
    }

    @Test func grubScriptsToldApartByTheirText() throws {
        let tmp = try TemporaryDirectory()
        for (text, oneLine) in [(Self.grub206, true), (Self.grub212, false)] {
            try Fabricate.write(text, to: tmp.file("20_linux_xen"))
            #expect(ReadinessCheck.grubPutsEarlyInitrdsOnOneLine(tmp.file("20_linux_xen")) == oneLine)
        }
        // The real scripts, where this machine has them (Debian 12 ships 2.06).
        let installed = "/etc/grub.d/20_linux_xen"
        if let text = try? String(contentsOfFile: installed, encoding: .utf8), text.contains("initrd_path=\"${initrd_path} ") {
            #expect(ReadinessCheck.grubPutsEarlyInitrdsOnOneLine(installed))
        }
    }

    /// The hooks test for the same marker the command writes.
    @Test func hooksSpellTheMarker() throws {
        for hook in ["hooks/initramfs-tools/early-ucode", "hooks/dracut/90early-ucode/module-setup.sh"] {
            let text = try String(contentsOfFile: BootFixtures.packageRoot + hook, encoding: .utf8)
            #expect(text.contains("early_file_marker=\(EarlyFile.defaultMarker)\n"), "\(hook)")
        }
    }

    @Test func archiveOrigins() throws {
        let tmp = try TemporaryDirectory()
        let fw = try tmp.directory("fw/intel-ucode")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7), to: fw + "/06-55-04")
        let ours = try ImageFixture.builtArchive(firmware: tmp.file("fw"), cpus: [0x50654]).bytes()
        try Fabricate.write(ours + ImageFixture.mainCPIO(), to: tmp.file("image"))
        guard case .earlyUcode(let size, let vendors) = try ArchiveOrigin.front(of: tmp.file("image")) else {
            Issue.record("early-ucode's archive not recognised")
            return
        }
        #expect(vendors == [.intel])
        #expect(size <= ours.count && ours.count - size < EarlyArchive.endAlignment)
        try Fabricate.write(ImageFixture.acpi() + ours, to: tmp.file("acpi-first"))
        #expect(try ArchiveOrigin.front(of: tmp.file("acpi-first")) == .otherMicrocode)
        try Fabricate.write(ImageFixture.mainCPIO(), to: tmp.file("none"))
        #expect(try ArchiveOrigin.front(of: tmp.file("none")) == .noMicrocode)
    }
}
