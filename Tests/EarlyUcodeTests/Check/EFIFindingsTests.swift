import Foundation
import Testing

@testable import EarlyUcode

/// `check`'s EFI findings on a root whose ESP (ROOT/boot/efi) holds
/// EFIFixture's two Xens, and unified kernel images in EFI/Linux; the host
/// is a Milan running 0x1000065, the sources hold 0xa0011d5.
@Suite("check: EFI")
struct EFIFindingsTests {
    struct World {
        let root: BootFakeRoot
        let esp: String

        init() throws {
            root = try BootFakeRoot(cpus: [Fabricate.FakeCPU(number: 0, vendor: "AuthenticAMD", family: 0x19, model: 1, stepping: 1, microcode: "0x1000065")])
            try root.directory.directory("firmware/amd-ucode")
            try root.write("firmware/amd-ucode/microcode_amd_fam19h.bin", bytes: GoldenWorld.amd(patch: 0xa0011d5, date: 0x0311_2025))
            try root.directory.directory("var/cache")
            esp = try EFIFixture.esp(in: root.directory, name: "boot/efi")
        }

        var findings: [Finding] {
            ReadinessCheck.run(root.inputs, images: InitrdFindings()).findings.filter { $0.area == .efi }
        }

        func enable() {
            let result = InProcess.run(["efi", "enable", "--esp", esp, "--cpu", "0xa00f11"], root: root.path)
            #expect(result.status == 0, "\(result.stderr)")
        }

        func file(_ relative: String) -> String { esp + "/" + relative }
    }

    @Test func beforeEnableEverySectionIsAProblem() throws {
        let world = try World()
        let findings = world.findings
        let texts = findings.map(\.text)
        let cfg417 = world.file("EFI/BOOT/BOOTX64.cfg")
        let xenCfg = world.file("EFI/xen/xen.cfg")
        #expect(findings.contains { $0.level == .problem && $0.path == cfg417 && $0.line == 4
            && $0.message.hasPrefix("[xen]: no ucode= (in the section or [global]): Xen 4.17.7") }, "\(texts)")
        // The admin's vendor.bin is no microcode file.
        #expect(findings.contains { $0.level == .problem && $0.path == xenCfg && $0.line == 8
            && $0.message.contains("[xen]: ucode=vendor.bin cannot be read") }, "\(texts)")
        #expect(findings.contains { $0.level == .problem && $0.path == xenCfg && $0.message.hasPrefix("[xen-safe]: no ucode=") }, "\(texts)")
    }

    @Test func afterEnableEachXenLoadsTheNewest() throws {
        let world = try World()
        world.enable()
        let findings = world.findings
        #expect(findings.allSatisfy { $0.level == .ok }, "\(findings.map(\.text))")
        #expect(findings.map(\.message) == [
            "[xen] ucode=early-ucode.bin: Xen 4.17.7 (BOOTX64.EFI) for 0x00a00f11 loads 0xa0011d5 (running 0x1000065), the newest available",
            "[xen] ucode=early-ucode.cpio: Xen 4.20.4 (xen-4.20-amd64.efi) for 0x00a00f11 loads 0xa0011d5 (running 0x1000065), the newest available",
            "[xen-safe] ucode=early-ucode.cpio: Xen 4.20.4 (xen-4.20-amd64.efi) for 0x00a00f11 loads 0xa0011d5 (running 0x1000065), the newest available",
        ])
    }

    @Test func aCpioForXen417IsAProblem() throws {
        let world = try World()
        world.enable()
        // What a Xen 4.20 configuration gets, copied where Xen 4.17 reads a raw file.
        try FileManager.default.removeItem(atPath: world.file("EFI/BOOT/early-ucode.bin"))
        try FileManager.default.copyItem(atPath: world.file("EFI/xen/early-ucode.cpio"), toPath: world.file("EFI/BOOT/early-ucode.bin"))
        let problem = try #require(world.findings.first { $0.level == .problem })
        #expect(problem.path == world.file("EFI/BOOT/BOOTX64.cfg") && problem.line == 7)
        #expect(problem.message.contains("is a cpio archive, but Xen 4.17.7 (\(world.file("EFI/BOOT/BOOTX64.EFI"))) reads ucode= as a raw vendor file"))
    }

    @Test func staleAndMissingFiles() throws {
        let world = try World()
        world.enable()
        try ImageFixture.write(GoldenWorld.amd(patch: 0xa0011d1, date: 0x0816_2023), to: world.file("EFI/BOOT/early-ucode.bin"))
        try FileManager.default.removeItem(atPath: world.file("EFI/xen/early-ucode.cpio"))
        let problems = world.findings.filter { $0.level == .problem }
        #expect(problems.contains { $0.message.contains("loads 0xa0011d1 (running 0x1000065): stale, 0xa0011d5 is available: run 'early-ucode efi enable'") },
                "\(problems.map(\.text))")
        #expect(problems.filter { $0.message.contains("names no file beside the configuration: xen.efi stops") }.count == 2)
    }

    @Test(.enabled(if: LoaderBinaryFixture.hasTool("gzip"), "gzip is not installed"))
    func unifiedKernelImagesAreJudged() throws {
        let world = try World()
        world.enable()
        try world.root.directory.directory("boot/efi/EFI/Linux")
        let early = try ImageFixture.builtArchive(firmware: world.root.directory.file("firmware"), cpus: [0xa00f11]).bytes()
        var header = LoaderBinaryFixture.Header()
        header.version = UKITests.debian12Version
        let kernel = LoaderBinaryFixture.bzImage(payload: try LoaderBinaryFixture.kernelPayload(LoaderBinaryFixture.vmlinux(table: nil), .gzip),
                                                 header: header)
        let initrd = try LoaderBinaryFixture.gzip(ImageFixture.mainCPIO())
        try ImageFixture.write(EFIFixture.uki(linux: kernel, initrd: initrd, ucode: early), to: world.file("EFI/Linux/debian-6.1.efi"))
        try ImageFixture.write(EFIFixture.uki(linux: kernel, initrd: initrd, ucode: nil, cmdline: "quiet dis_ucode_ldr"),
                               to: world.file("EFI/Linux/old.efi"))
        let findings = world.findings.filter { $0.path?.contains("EFI/Linux") == true }
        let good = findings.filter { $0.path == world.file("EFI/Linux/debian-6.1.efi") }
        #expect(good.map(\.level) == [.ok], "\(good.map(\.text))")
        #expect(good.first?.message == "Linux 6.1.192 (debian-6.1.efi:.linux) for 0x00a00f11 loads 0xa0011d5 (running 0x1000065), the newest available")
        let old = findings.filter { $0.path == world.file("EFI/Linux/old.efi") }
        #expect(old.contains { $0.level == .problem && $0.message.hasPrefix(".cmdline has dis_ucode_ldr") }, "\(old.map(\.text))")
        #expect(old.contains { $0.level == .warning && $0.message.hasPrefix("no .ucode section") })
        #expect(old.contains { $0.level == .problem && $0.message.contains("rebuild the UKI with the current microcode") })
    }

    @Test func noESPNoFindings() throws {
        let root = try BootFakeRoot()
        #expect(ReadinessCheck.run(root.inputs, images: InitrdFindings()).findings.filter { $0.area == .efi }.isEmpty)
    }
}
