import Foundation
import Testing

@testable import EarlyUcode

/// `check` and `inspect` with the kernel that will boot: a fabricated
/// Debian 13 bzImage (6.12.117, a digest table) beside an initrd holding a
/// Milan patch; whether the patch's digest is in the kernel's list decides.
@Suite("Loaders in check and inspect")
struct LoaderFindingsTests {
    static let kernelName = "vmlinuz-6.12.117+deb13-amd64"
    static let imageName = "initrd.img-6.12.117+deb13-amd64"

    /// A root whose host is a Milan running 0x1000065, an initrd whose early
    /// part holds the fabricated patch, and the kernel with `listed` in its table.
    static func root(listed: Bool) throws -> BootFakeRoot {
        let root = try BootFakeRoot(cpus: [Fabricate.FakeCPU(number: 0, vendor: "AuthenticAMD", family: 0x19, model: 1, stepping: 1, microcode: "0x1000065")])
        let patch = LoaderBinaryFixture.patch
        let container = ImageFixture.amdContainer([(cpu: 0xa00f11, id: 0xa011)], patches: [patch])
        try root.directory.directory("firmware/amd-ucode")
        try root.write("firmware/amd-ucode/microcode_amd_fam19h.bin", bytes: container)
        try root.remove("boot/initrd.img-6.1.0-56-amd64")
        try root.write("boot/" + imageName, bytes: ImageFixture.early(amd: container) + ImageFixture.mainCPIO())
        let extra = listed ? [PatchDigest(patchID: 0x0a00_11d5, sha256: try LoaderBinaryFixture.patchDigest)] : []
        let kernel = LoaderBinaryFixture.bzImage(payload: try LoaderBinaryFixture.kernelPayload(
            LoaderBinaryFixture.vmlinux(table: LoaderBinaryFixture.table(extra: extra)), .gzip))
        try root.write("boot/" + kernelName, bytes: kernel)
        try root.remove("boot/xen-4.17-amd64.gz")
        try root.directory.directory("var/cache")
        return root
    }

    static func imageFindings(_ root: BootFakeRoot) -> [Finding] {
        var inputs = root.inputs
        inputs.grubCfg = root.directory.file("boot/grub/none.cfg")   // no Xen entries: Linux only
        return ReadinessCheck.run(inputs, images: InitrdFindings()).findings.filter { $0.area == .images }
    }

    @Test(.enabled(if: LoaderBinaryFixture.hasTool("gzip"), "needs gzip to make the kernel's payload"))
    func listedPatchIsLoaded() throws {
        let root = try Self.root(listed: true)
        let findings = Self.imageFindings(root)
        #expect(findings.count == 1, "\(findings.map(\.text))")
        #expect(findings.first?.level == .ok)
        #expect(findings.first?.message.hasPrefix("Linux 6.12.117 (\(Self.kernelName)) for 0x00a00f11 loads 0xa0011d5 (running 0x1000065), the newest available") == true)
    }

    @Test(.enabled(if: LoaderBinaryFixture.hasTool("gzip"), "needs gzip to make the kernel's payload"))
    func unlistedPatchIsAProblemNamingTheKernel() throws {
        let root = try Self.root(listed: false)
        let findings = Self.imageFindings(root)
        let problem = try #require(findings.first { $0.level == .problem }, "\(findings.map(\.text))")
        #expect(problem.message.contains("takes no patch: digest of patch 0x0a0011d5 is not in Linux 6.12.117's list: update the kernel, or the microcode package is newer than the kernel"))
        #expect(!problem.message.contains("update-initramfs"))

        // inspect says the same, for the binary named, with its version.
        let inspect = InProcess.run(["inspect", root.directory.file("boot/" + Self.imageName), "--cpu", "0xa00f11",
                                     "--kernel", root.directory.file("boot/" + Self.kernelName), "--json"], root: root.path)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(inspect.stdout)) as? [String: Any]
        let loads = try #require(report?["loads"] as? [[String: Any]])
        let predictions = try #require(loads.first?["predictions"] as? [[String: Any]])
        #expect(predictions.count == 1)
        #expect(predictions.first?["loader"] as? String == "linux")
        #expect(predictions.first?["version"] as? String == "6.12.117")
        #expect(predictions.first?["takes"] == nil)
        #expect((predictions.first?["reason"] as? String)?.hasPrefix("digest of patch 0x0a0011d5 is not in Linux 6.12.117's list") == true)
        // What was read is cached below the root, not in the host's /var/cache.
        #expect(FileManager.default.fileExists(atPath: root.directory.file("var/cache/early-ucode")))
    }

    /// build warns when it writes a patch the installed kernel will refuse.
    @Test(.enabled(if: LoaderBinaryFixture.hasTool("gzip"), "needs gzip to make the kernel's payload"))
    func buildWarnsAboutARefusal() throws {
        let root = try Self.root(listed: false)
        let out = root.directory.file("early.cpio")
        let build = InProcess.run(["build", "--no-config", "--cpu", "0xa00f11", "--firmware-dir", root.directory.file("firmware"), "-o", out],
                                  environment: ["SOURCE_DATE_EPOCH": "0"], root: root.path)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stderrLines.contains { $0.hasPrefix("early-ucode: warning: Linux 6.12.117 (\(root.directory.file("boot/" + Self.kernelName))) will refuse AMD patch 0xa0011d5: digest of patch 0x0a0011d5 is not in") })
        let listed = try Self.root(listed: true)
        let quiet = InProcess.run(["build", "--no-config", "--cpu", "0xa00f11", "--firmware-dir", listed.directory.file("firmware"), "-o", listed.directory.file("early.cpio")],
                                  environment: ["SOURCE_DATE_EPOCH": "0"], root: listed.path)
        #expect(!quiet.stderr.contains("will refuse"), "\(quiet.stderr)")
    }
}
