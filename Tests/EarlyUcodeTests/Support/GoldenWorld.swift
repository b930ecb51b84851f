import Foundation
import Testing

@testable import EarlyUcode

/// The fixed inputs of the golden files: one Debian 12 host with Xen, as a
/// user finds it before `rebuild`, in a fresh temporary folder (`$ROOT` in
/// the golden files), every byte generated here.
///
/// - Two logical CPUs 06-55-04 (0x50654, platform mask 0x80), running 0x2006e05.
/// - `$ROOT/lib/firmware` (named by `EARLY_UCODE_FIRMWARE_DIRS`):
///   `intel-ucode/06-55-04` with 0x2006e05 and 0x2007006 (platforms 0xb7),
///   a README, and `amd-ucode/microcode_amd_fam19h.bin` with 0xa0011d5 for
///   0xa00f11 (the second CPU the commands name, as a fleet would).
/// - `$ROOT/boot/initrd.img-6.1.0-56-amd64`: the early archive the hook
///   wrote before the microcode packages were upgraded (Intel 0x2006e05, AMD
///   0xa0011d1), then a zstd main archive; grub.cfg from Debian's
///   20_linux_xen with ucode=scan; the hook, the binary and early-ucode's
///   GRUB file installed.
/// - `$ROOT/boot/efi`: an ESP with Xen 4.17.7 (EFI/BOOT/BOOTX64.EFI and
///   BOOTX64.cfg) and Xen 4.20.4 (EFI/xen/, xen.cfg naming the admin's
///   vendor.bin), before `efi enable`.
///
/// Commands run in-process with `$ROOT` as the file-system root and only
/// SOURCE_DATE_EPOCH in the environment.
final class GoldenWorld {
    static let sourceDateEpoch = "1700000000"
    static let environment = ["SOURCE_DATE_EPOCH": sourceDateEpoch]
    static let image = "$ROOT/boot/initrd.img-6.1.0-56-amd64"

    let directory: TemporaryDirectory
    var root: String { directory.path }

    init() throws {
        directory = try TemporaryDirectory("golden-root")
        let cpus = [0, 1].map { Fabricate.FakeCPU(number: $0, microcode: "0x2006e05") }
        try write("proc/cpuinfo", Fabricate.cpuinfo(cpus))
        try Fabricate.sysfs(in: try directory.directory("sys/devices/system/cpu"),
                            flags: [0: 0x80, 1: 0x80], versions: [0: 0x2006e05, 1: 0x2006e05])
        try write("proc/sys/kernel/tainted", "0\n")

        try write("lib/firmware/intel-ucode/06-55-04",
                  Fabricate.intelUpdate(revision: 0x2006e05, date: 0x0308_2022, signature: 0x50654, platforms: 0xb7)
                  + Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7))
        try write("lib/firmware/intel-ucode/README", "Intel CPU microcode, one file per signature.\n")
        try write("lib/firmware/amd-ucode/microcode_amd_fam19h.bin", Self.amd(patch: 0xa0011d5, date: 0x0311_2025))
        try write("etc/default/early-ucode", "EARLY_UCODE=auto\nEARLY_UCODE_FIRMWARE_DIRS=\(root)/lib/firmware\nEARLY_UCODE_XEN=auto\n")

        // What the hook wrote before the microcode packages were upgraded.
        let old = try TemporaryDirectory("golden-old-firmware")
        let oldFirmware = try ImageFixture.firmware(
            in: old,
            intel: ["06-55-04": Fabricate.intelUpdate(revision: 0x2006e05, date: 0x0308_2022, signature: 0x50654, platforms: 0xb7)],
            amd: ["microcode_amd_fam19h.bin": Self.amd(patch: 0xa0011d1, date: 0x0816_2023)])
        let stale = try ImageFixture.builtArchive(firmware: oldFirmware, cpus: [0x50654, 0xa00f11]).bytes()
        try write("boot/initrd.img-6.1.0-56-amd64", stale + Self.zstdStored(ImageFixture.mainCPIO(bulk: 600)))
        try write("boot/vmlinuz-6.1.0-56-amd64", "kernel")
        try write("boot/xen-4.17-amd64.gz", "xen")
        try write("boot/grub/grub.cfg", BootFixtures.debianGrubCfg)
        try write("etc/default/grub", "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try write("etc/default/grub.d/xen.cfg", "GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=2G\"\n")
        try write("etc/default/grub.d/zz-early-ucode.cfg", GrubFragment.content(.auto))
        try write("etc/grub.d/20_linux_xen", "\tmodule2 --nounzip   $(echo $initrd_path)\n", mode: 0o755)
        try write("etc/initramfs-tools/hooks/early-ucode", "#!/bin/sh\n", mode: 0o755)
        try directory.directory("usr/share/initramfs-tools/hooks")
        try write("usr/local/sbin/early-ucode", "binary", mode: 0o755)
        // The ESP: Debian 12's Xen 4.17.7 as EFI/BOOT/BOOTX64.EFI, Debian 13's 4.20.4 in EFI/xen (EFIFixture.esp).
        _ = try EFIFixture.esp(in: directory, name: "boot/efi")
    }

    /// An AMD family 19h container with one patch for 0xa00f11 (no
    /// chipset ids, which Linux would refuse).
    static func amd(patch: UInt32, date: UInt32) -> [UInt8] {
        ImageFixture.amdContainer([(cpu: 0xa00f11, id: 0xa011)],
                                  patches: [ImageFixture.amdPatch(id: patch, equivalenceID: 0xa011, date: date, size: 512)])
    }

    /// A valid zstd frame that stores `bytes` in one raw block (RFC 8878:
    /// single segment, two-byte content size, no checksum), so the image's
    /// main archive is compressed without the zstd tool.
    static func zstdStored(_ bytes: [UInt8]) -> [UInt8] {
        precondition((256..<65_792).contains(bytes.count), "a two-byte frame content size holds 256...65791")
        let contentSize = UInt16(bytes.count - 256)
        let block = UInt32(bytes.count) << 3 | 1    // last block, raw, its size
        return [0x28, 0xb5, 0x2f, 0xfd, 0x60] + ImageFixture.le16(contentSize)
            + Array(ImageFixture.le32(block).prefix(3)) + bytes
    }

    /// Runs early-ucode in-process against this root: `$ROOT` in
    /// `arguments` is the root's path; the output has it spelled `$ROOT`.
    func run(_ arguments: [String], environment: [String: String] = GoldenWorld.environment) -> InProcess.Result {
        var result = InProcess.run(arguments.map { $0.replacingOccurrences(of: GoldenFile.placeholder, with: root) },
                                   environment: environment, root: root)
        result.stdout = GoldenFile.replacingRoot(result.stdout, root: root)
        result.stderr = String(decoding: GoldenFile.replacingRoot(Array(result.stderr.utf8), root: root), as: UTF8.self)
        return result
    }

    /// The path of `relative` under the root.
    func file(_ relative: String) -> String { directory.file(relative) }

    private func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        try write(relative, Array(text.utf8), mode: mode)
    }

    private func write(_ relative: String, _ bytes: [UInt8], mode: Int = 0o644) throws {
        let path = directory.file(relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Fabricate.write(bytes, to: path)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}
