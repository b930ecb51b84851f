import Foundation
import Testing

@testable import EarlyUcode

@Suite("early-ucode check: readiness findings")
struct BootCheckTests {
    /// A root that is ready: microcode for its CPU at the running revision,
    /// hook installed, GRUB file in place, grub.cfg with ucode=scan.
    func readyRoot(running: String = "0x2007006", available: UInt32 = 0x2007006) throws -> BootFakeRoot {
        let root = try BootFakeRoot(cpus: [Fabricate.FakeCPU(number: 0, microcode: running), Fabricate.FakeCPU(number: 1, microcode: running)])
        try root.write("firmware/intel-ucode/06-55-04", bytes: Fabricate.intelUpdate(revision: available, signature: 0x50654, platforms: 0xb7))
        return root
    }

    func findings(_ root: BootFakeRoot, _ area: Finding.Area? = nil, edit: (inout ReadinessInputs) -> Void = { _ in }) -> [Finding] {
        var inputs = root.inputs
        edit(&inputs)
        return ReadinessCheck.run(inputs, images: nil).findings.filter { area == nil || $0.area == area }
    }

    @Test func readyHost() throws {
        let root = try readyRoot()
        let report = ReadinessCheck.run(root.inputs, images: nil)
        #expect(report.ready, "\(report.findings.map(\.text))")
        #expect(report.findings.contains { $0.area == .cpu && $0.message.contains("runs the newest revision available") })
        #expect(report.findings.contains { $0.area == .grub && $0.message.contains("ucode=scan: Xen looks") })
    }

    @Test func imagesAreSkippedWithoutAnInspector() throws {
        let root = try readyRoot()
        try root.write("boot/initrd.img-6.1.0-57-amd64", "initrd")
        let images = findings(root, .images)
        #expect(images.map(\.path) == [root.directory.file("boot/initrd.img-6.1.0-56-amd64"), root.directory.file("boot/initrd.img-6.1.0-57-amd64")])
        #expect(images.allSatisfy { $0.level == .warning && $0.message == "skipped: no image inspector given" })
    }

    /// An inspector, when one is wired in, gets the images and what this host should load.
    @Test func inspectorReceivesTheContext() throws {
        struct Recorder: ImageInspecting {
            func findings(for context: ImageCheckContext) -> [Finding] {
                [Finding(.ok, .images, "\(context.images.count) \(context.expected?.intel.count ?? -1) \(context.xenEntries.count)")]
            }
        }
        let root = try readyRoot()
        let report = ReadinessCheck.run(root.inputs, images: Recorder())
        #expect(report.findings.filter { $0.area == .images }.map(\.message) == ["1 1 3"])
    }

    @Test func olderRunningRevisionIsAWarning() throws {
        let root = try readyRoot(running: "0x2006e05", available: 0x2007006)
        let cpu = findings(root, .cpu)
        #expect(cpu.contains { $0.level == .warning && $0.message.contains("runs 0x2006e05, older than 0x2007006 available") })
        #expect(ReadinessCheck.run(root.inputs, images: nil).ready)
    }

    /// Without EARLY_UCODE_FIRMWARE_DIRS, `check --root DIR` compares with
    /// DIR/lib/firmware, not the host's.
    @Test func rootedCheckReadsTheRootsFirmware() throws {
        let root = try readyRoot(running: "0x2006e05", available: 0x2007006)
        try root.write("etc/default/early-ucode", "")
        try root.directory.directory("lib/firmware/intel-ucode")
        try root.write("lib/firmware/intel-ucode/06-55-04", bytes: Fabricate.intelUpdate(revision: 0x2007106, signature: 0x50654, platforms: 0xb7))
        let cpu = findings(root, .cpu)
        #expect(cpu.contains { $0.message.contains("older than 0x2007106 available (\(root.path)/lib/firmware/intel-ucode/06-55-04") }, "\(cpu.map(\.message))")
    }

    /// Boot options that change what the loaders take are named, with what they do.
    @Test func bootOptionsThatChangeTheAnswer() throws {
        let root = try readyRoot()
        try root.write("etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet microcode.amd_sha_check=off\"\nGRUB_CMDLINE_LINUX=\"dis_ucode_ldr\"\n")
        try root.write("etc/default/grub.d/xen.cfg", "GRUB_CMDLINE_XEN=\"dom0_mem=2G ucode=no-digest-check\"\n")
        let grub = findings(root, .grub)
        #expect(grub.contains { $0.level == .problem && $0.message.contains("dis_ucode_ldr: Linux's early loader is off") })
        #expect(grub.contains { $0.level == .warning && $0.message.contains("microcode.amd_sha_check=off: Linux loads AMD Zen patches without checking") })
        #expect(grub.contains { $0.level == .warning && $0.message.contains("ucode=no-digest-check: Xen loads AMD Zen patches without checking") })
        let options = BootOptions(try GrubDefaults.load(file: root.directory.file("etc/default/grub"), directory: root.directory.file("etc/default/grub.d")))
        #expect(options.linux == LoaderOptions(digestCheckOff: true, loaderDisabled: true, disabledBy: "dis_ucode_ldr"))
        #expect(options.xen.digestCheckOff)
        // None of them by default.
        #expect(!findings(try readyRoot(), .grub).contains { $0.message.contains("Entrysign") || $0.message.contains("dis_ucode_ldr") })
    }

    @Test(arguments: [("ucode=scan,no-digest-check", false), ("ucode=digest-check=0", false), ("ucode=scan", nil), ("ucode=digest-check", true)])
    func xenDigestCheckOption(_ word: String, _ expected: Bool?) {
        #expect(XenCommandLine(parsing: word).microcode.digestCheck == expected)
    }

    @Test func newerRunningRevisionFromFirmwareIsFine() throws {
        let root = try readyRoot(running: "0x2007100", available: 0x2007006)
        #expect(findings(root, .cpu).contains { $0.level == .ok && $0.message.contains("newer than the 0x2007006 available") })
    }

    @Test func mixedRevisionsExplainWhy() throws {
        let root = try BootFakeRoot(cpus: [Fabricate.FakeCPU(number: 0, microcode: "0x2007006"), Fabricate.FakeCPU(number: 1, microcode: "0x2006e05")])
        try root.write("firmware/intel-ucode/06-55-04", bytes: Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7))
        let mixed = try #require(findings(root, .cpu).first { $0.message.contains("run different microcode revisions") })
        #expect(mixed.level == .warning)
        #expect(mixed.message.contains("mismatched state a late load leaves"))
    }

    @Test func debianHooksShadowUnlessTurnedOff() throws {
        let root = try readyRoot()
        try root.write("usr/share/initramfs-tools/hooks/intel_microcode", "#!/bin/sh\n", mode: 0o755)
        try root.write("etc/default/intel-microcode", "IUCODE_TOOL_INITRAMFS=auto\nIUCODE_TOOL_SCANCPUS=yes\n")
        let on = findings(root, .initramfs)
        #expect(on.contains { $0.level == .problem && $0.message.contains("shadowed") && $0.message.contains("IUCODE_TOOL_INITRAMFS=auto") })
        try root.write("etc/default/intel-microcode", "IUCODE_TOOL_INITRAMFS=no\n")
        #expect(findings(root, .initramfs).allSatisfy { $0.level == .ok })
        try root.remove("etc/default/intel-microcode")
        #expect(findings(root, .initramfs).contains { $0.level == .problem && $0.message.contains("IUCODE_TOOL_INITRAMFS=unset") })
    }

    @Test func missingHookOrBinary() throws {
        let root = try readyRoot()
        try root.remove("usr/local/sbin/early-ucode")
        #expect(findings(root, .initramfs).contains { $0.level == .problem && $0.message.contains("binary, which is missing") })
        try root.remove("etc/initramfs-tools/hooks/early-ucode")
        #expect(findings(root, .initramfs).contains { $0.level == .problem && $0.message.contains("not installed") })
    }

    @Test func brokenConfigurationIsAProblemWithItsLine() throws {
        let root = try readyRoot()
        try root.write("etc/default/early-ucode", "EARLY_UCODE=auto\nEARLY_UCODE_XEN=maybe\n")
        let problem = try #require(findings(root, .config).first { $0.level == .problem })
        #expect(problem.path == root.directory.file("etc/default/early-ucode"))
        #expect(problem.line == 2)
        #expect(problem.message.contains("expected auto, yes or no"))
    }

    @Test func singleLineLayoutAndStockFileInBoot() throws {
        let root = try readyRoot()
        try root.write("boot/grub/grub.cfg", BootFixtures.debianGrubCfgSingleLine)
        try root.write("boot/intel-ucode.img", "early")
        let grub = findings(root, .grub).filter { $0.level == .problem }
        #expect(grub.contains { $0.path == root.directory.file("boot/intel-ucode.img") && $0.message.contains("one module2 line") })
        #expect(grub.filter { $0.message.contains("GRUB loads only /intel-ucode.img") }.count == 3)
        #expect(!ReadinessCheck.run(root.inputs, images: nil).ready)
    }

    @Test func missingFragmentAndOldGrubCfg() throws {
        let root = try readyRoot()
        try root.remove("etc/default/grub.d/zz-early-ucode.cfg")
        try root.write("boot/grub/grub.cfg", BootFixtures.debianGrubCfg.replacingOccurrences(of: " ucode=scan", with: ""))
        let grub = findings(root, .grub).filter { $0.level == .problem }
        #expect(grub.contains { $0.message.contains("missing: update-grub will not add ucode=scan") })
        #expect(grub.filter { $0.message.contains("no ucode=scan on Xen's command line") && $0.message.contains("grub enable") }.count == 2)
    }

    @Test func xenOffInConfiguration() throws {
        let root = try readyRoot()
        try root.write("etc/default/early-ucode", "EARLY_UCODE_XEN=no\nEARLY_UCODE_FIRMWARE_DIRS=\(root.path)/firmware\n")
        #expect(findings(root, .grub).contains { $0.level == .warning && $0.message.contains("EARLY_UCODE_XEN=no") })
    }

    @Test func lateLoadingSigns() throws {
        let root = try readyRoot()
        try root.write("proc/sys/kernel/tainted", "4\n")
        let log = "(XEN) microcode: CPU0 updated from revision 0x1 to 0x2\n(XEN) 8 cores are to update their microcode\n"
        let late = findings(root, .lateLoading) { $0.xenLog = .bytes(Array(log.utf8), name: "xl dmesg") }
        #expect(late.filter { $0.level == .warning }.count == 2)
        #expect(late.contains { $0.message.contains("TAINT_CPU_OUT_OF_SPEC") })
        #expect(late.contains { $0.message.contains("8 cores are to update their microcode") && !$0.message.contains("CPU0 updated") })
        try root.write("proc/sys/kernel/tainted", "4101\n")
        #expect(findings(root, .lateLoading).contains { $0.level == .warning })
        try root.write("proc/sys/kernel/tainted", "1\n")
        #expect(findings(root, .lateLoading).allSatisfy { $0.level == .ok })
    }

    @Test func jsonShape() throws {
        let root = try readyRoot()
        let data = try JSONEncoder().encode(ReadinessCheck.run(root.inputs, images: nil))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["ready"] as? Bool == true)
        let first = try #require((object["findings"] as? [[String: Any]])?.first)
        #expect(Set(first.keys).isSuperset(of: ["level", "area", "message"]))
    }
}
