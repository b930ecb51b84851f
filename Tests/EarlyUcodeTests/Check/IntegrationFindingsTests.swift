import Foundation
import Testing

@testable import EarlyUcode

/// `check`'s integration area: which integration is active, and for each
/// installed kernel whether its image, Boot Loader Spec entry or the early
/// file starts with early-ucode's archive; a doubled archive is a problem.
@Suite("early-ucode check: integration")
struct IntegrationFindingsTests {
    static let version = "6.1.0-56-amd64"

    /// A ready root (BootFakeRoot) with a kernel, microcode for its CPU, and
    /// early-ucode's archive for it in `ours`.
    func root() throws -> (BootFakeRoot, [UInt8]) {
        let root = try BootFakeRoot()
        let update = Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7)
        try root.write("firmware/intel-ucode/06-55-04", bytes: update)
        try root.write("boot/vmlinuz-\(Self.version)", "kernel")
        let ours = try ImageFixture.builtArchive(firmware: root.directory.file("firmware"), cpus: [0x50654]).bytes()
        return (root, ours)
    }

    func findings(_ root: BootFakeRoot, _ area: Finding.Area) -> [Finding] {
        ReadinessCheck.run(root.inputs, images: InitrdFindings()).findings.filter { $0.area == area }
    }

    func earlyFileMode(_ root: BootFakeRoot, _ ours: [UInt8]) throws {
        try root.write("etc/grub.d/20_linux_xen", EarlyFileTests.grub212)
        try root.directory.directory("var/lib/early-ucode")
        try root.write("var/lib/early-ucode/early-file", EarlyFile.markerText(bootDirectory: nil))
        try root.write("boot/early_ucode.cpio", bytes: ours)
    }

    @Test func imageStartingWithOurArchive() throws {
        let (root, ours) = try root()
        try root.write("boot/initrd.img-\(Self.version)", bytes: ours + ImageFixture.mainCPIO())
        let found = findings(root, .integration)
        #expect(found.contains { $0.level == .ok && $0.message == "active: initramfs-tools hook" })
        #expect(found.contains { $0.level == .ok && $0.message.hasPrefix("\(Self.version): the image starts with early-ucode's archive") })
        #expect(!found.contains { $0.level == .problem }, "\(found.map(\.text))")
    }

    @Test(arguments: [false, true])
    func imageWithoutOrWithAnotherToolsMicrocode(_ another: Bool) throws {
        let (root, _) = try root()
        let front = another ? ImageFixture.early(intel: Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7)) : []
        try root.write("boot/initrd.img-\(Self.version)", bytes: front + ImageFixture.mainCPIO())
        let problem = try #require(findings(root, .integration).first { $0.level == .problem })
        #expect(problem.message.contains(another ? "did not write" : "has no early microcode"))
        #expect(problem.path == root.directory.file("boot/initrd.img-\(Self.version)"))
    }

    @Test func nothingInstalled() throws {
        let (root, _) = try root()
        try root.remove("etc/initramfs-tools/hooks/early-ucode")
        #expect(findings(root, .integration).map(\.level) == [.problem])
    }

    /// Early-file mode: the early file is judged, an image without
    /// microcode is right, one with microcode is doubled.
    @Test func earlyFileMode() throws {
        let (root, ours) = try root()
        try earlyFileMode(root, ours)
        try root.write("boot/initrd.img-\(Self.version)", bytes: ImageFixture.mainCPIO())
        let report = ReadinessCheck.run(root.inputs, images: InitrdFindings())
        let integration = report.findings.filter { $0.area == .integration }
        #expect(integration.contains { $0.level == .ok && $0.message.hasPrefix("active: early file \(root.directory.file("boot/early_ucode.cpio"))") })
        #expect(integration.contains { $0.level == .ok && $0.message.contains("early-ucode's archive") && $0.path == root.directory.file("boot/early_ucode.cpio") })
        #expect(!report.findings.contains { $0.level == .problem && [.integration, .images, .grub, .initramfs].contains($0.area) }, "\(report.findings.map(\.text))")
        // The images area reads the early file, not the initrd.
        #expect(report.findings.filter { $0.area == .images }.allSatisfy { $0.path == root.directory.file("boot/early_ucode.cpio") })
        #expect(report.findings.contains { $0.area == .grub && $0.level == .ok && $0.message.hasPrefix("early-ucode's early file: this GRUB (2.12)") })

        try root.write("boot/initrd.img-\(Self.version)", bytes: ours + ImageFixture.mainCPIO())
        let doubled = try #require(findings(root, .integration).first { $0.level == .problem })
        #expect(doubled.message.contains("(doubled)"))
        #expect(doubled.path == root.directory.file("boot/initrd.img-\(Self.version)"))
    }

    @Test func earlyFileModeOnGrub206IsAProblem() throws {
        let (root, ours) = try root()
        try earlyFileMode(root, ours)
        try root.write("etc/grub.d/20_linux_xen", EarlyFileTests.grub206)
        #expect(findings(root, .integration).contains { $0.level == .problem && $0.message.contains("one module2 line") })
    }

    /// kernel-install with layout=bls: each entry's first initrd must be ours.
    @Test func bootLoaderSpecEntries() throws {
        let (root, ours) = try root()
        try root.remove("etc/initramfs-tools/hooks/early-ucode")
        try root.directory.directory("etc/kernel/install.d")
        try root.write("etc/kernel/install.d/56-early-ucode.install", "#!/bin/sh\n", mode: 0o755)
        try root.write("etc/kernel/install.conf", "layout=bls\n")
        try root.directory.directory("boot/loader/entries")
        try root.directory.directory("boot/token/\(Self.version)")
        try root.write("boot/token/\(Self.version)/microcode", bytes: ours)
        try root.write("boot/token/\(Self.version)/initrd", bytes: ImageFixture.mainCPIO())
        try root.write("boot/loader/entries/token-\(Self.version).conf", """
            title      Debian GNU/Linux 13 (trixie)
            version    \(Self.version)
            linux      /token/\(Self.version)/linux
            initrd     /token/\(Self.version)/microcode
            initrd     /token/\(Self.version)/initrd

            """)
        var found = findings(root, .integration)
        #expect(found.contains { $0.level == .ok && $0.message == "active: kernel-install plugin (layout=bls)" })
        #expect(found.contains { $0.level == .ok && $0.message.contains("the entry's first initrd /token/\(Self.version)/microcode is early-ucode's archive") }, "\(found.map(\.text))")
        #expect(!found.contains { $0.level == .problem })
        // The hook is not missed: the plugin carries the archive.
        #expect(!findings(root, .initramfs).contains { $0.level == .problem })

        try root.write("boot/token/\(Self.version)/microcode", bytes: ImageFixture.mainCPIO())
        found = findings(root, .integration)
        #expect(found.contains { $0.level == .problem && $0.message.contains("is not early-ucode's archive") })
    }

    /// The Debian package's places: the hook in /usr/share/initramfs-tools
    /// running /usr/sbin/early-ucode; with scripts/install's hook too, both
    /// run (mkinitramfs runs both folders' hooks), which is a warning.
    @Test func packagedHookAndItsBinary() throws {
        let (root, ours) = try root()
        try root.write("boot/initrd.img-\(Self.version)", bytes: ours + ImageFixture.mainCPIO())
        try root.remove("etc/initramfs-tools/hooks/early-ucode")
        try root.remove("usr/local/sbin/early-ucode")
        try root.write("usr/share/initramfs-tools/hooks/early-ucode", "#!/bin/sh\n", mode: 0o755)
        var initramfs = findings(root, .initramfs)
        #expect(initramfs.contains { $0.level == .problem && $0.path == root.directory.file("usr/sbin/early-ucode") }, "\(initramfs.map(\.text))")
        try root.directory.directory("usr/sbin")
        try root.write("usr/sbin/early-ucode", "binary", mode: 0o755)
        initramfs = findings(root, .initramfs)
        #expect(initramfs.contains { $0.level == .ok && $0.path == root.directory.file("usr/share/initramfs-tools/hooks/early-ucode") })
        #expect(!initramfs.contains { $0.level == .problem }, "\(initramfs.map(\.text))")
        #expect(findings(root, .integration).contains { $0.level == .ok && $0.message == "active: initramfs-tools hook" })
        #expect(!findings(root, .integration).contains { $0.level != .ok })

        try root.write("etc/initramfs-tools/hooks/early-ucode", "#!/bin/sh\n", mode: 0o755)
        let twice = try #require(findings(root, .integration).first { $0.level == .warning })
        #expect(twice.message.hasPrefix("two early-ucode initramfs-tools hooks"))
    }

    /// The package's kernel-install plugin (/usr/lib/kernel/install.d) and
    /// dracut.conf.d file count, unless the same name under /etc masks them.
    @Test(arguments: [false, true])
    func packagedPluginAndDracutConf(masked: Bool) throws {
        let (root, _) = try root()
        try root.remove("etc/initramfs-tools/hooks/early-ucode")
        for folder in ["usr/lib/kernel/install.d", "usr/lib/dracut/dracut.conf.d", "usr/lib/dracut/modules.d/90early-ucode", "etc/kernel/install.d", "etc/dracut.conf.d"] {
            try root.directory.directory(folder)
        }
        try root.write("usr/lib/kernel/install.d/56-early-ucode.install", "#!/bin/sh\n", mode: 0o755)
        try root.write("usr/lib/dracut/dracut.conf.d/90-early-ucode.conf", "add_dracutmodules+=\" early-ucode \"\n")
        try root.write("usr/lib/dracut/modules.d/90early-ucode/module-setup.sh", "#!/bin/sh\n", mode: 0o755)
        try root.write("etc/kernel/install.conf", "layout=bls\n")
        if masked {
            for name in ["etc/kernel/install.d/56-early-ucode.install", "etc/dracut.conf.d/90-early-ucode.conf"] {
                try FileManager.default.createSymbolicLink(atPath: root.directory.file(name), withDestinationPath: "/dev/null")
            }
        }
        let found = findings(root, .integration)
        let active = try #require(found.first { $0.message.hasPrefix("active: ") })
        #expect(active.message == (masked ? "active: dracut module" : "active: kernel-install plugin (layout=bls), dracut module"), "\(found.map(\.text))")
        #expect(found.contains { $0.message.contains("without its dracut.conf.d file") } == masked)
    }

    @Test func kernelInstallLayoutFromTheLastFile() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write("layout=bls\n", to: tmp.file("a"))
        try Fabricate.write("# comment\nlayout=uki\n", to: tmp.file("b"))
        #expect(KernelInstallLayout.configured(in: [tmp.file("a"), tmp.file("b"), tmp.file("missing")]) == .uki)
        #expect(KernelInstallLayout.configured(in: [tmp.file("missing")]) == nil)
    }
}
