import Foundation
import Testing

@testable import EarlyUcode

/// Inputs for the boot tests, all generated: grub.cfg files written by
/// Debian 12's real /etc/grub.d/20_linux_xen (scripts/grub-test --keep), and
/// a fake root with the files `check` reads.
enum BootFixtures {
    /// The package root, from this file's path.
    static let packageRoot: String = {
        let path = #filePath
        guard let range = path.range(of: "/Tests/") else { return "./" }
        return String(path[..<range.lowerBound]) + "/"
    }()

    /// Debian 12 (GRUB 2.06) 20_linux_xen with early-ucode's fragment
    /// sourced: ucode=scan on the normal entries, not on the recovery one.
    static let debianGrubCfg = #"""
menuentry 'GNU/Linux, with Xen hypervisor' --class gnu-linux --class gnu --class os --class xen $menuentry_id_option 'xen-gnulinux-simple-/dev/vda1' {

	echo	'Loading Xen 4.17-amd64 ...'
        if [ "$grub_platform" = "pc" -o "$grub_platform" = "" ]; then
            xen_rm_opts=
        else
            xen_rm_opts="no-real-mode edd=off"
        fi
	multiboot2	/xen-4.17-amd64.gz placeholder  dom0_mem=2G ucode=scan ${xen_rm_opts}
	echo	'Loading Linux 6.1.0-56-amd64 ...'
	module2	/vmlinuz-6.1.0-56-amd64 placeholder root=/dev/vda1 ro  quiet
	echo	'Loading initial ramdisk ...'
	module2	--nounzip   /initrd.img-6.1.0-56-amd64
}
submenu 'Advanced options for GNU/Linux (with Xen hypervisor)' $menuentry_id_option 'gnulinux-advanced-/dev/vda1' {
	submenu 'Xen hypervisor, version 4.17-amd64' $menuentry_id_option 'xen-hypervisor-4.17-amd64-/dev/vda1' {
		menuentry 'GNU/Linux, with Xen 4.17-amd64 and Linux 6.1.0-56-amd64' --class gnu-linux --class gnu --class os --class xen $menuentry_id_option 'xen-gnulinux-6.1.0-56-amd64-advanced-/dev/vda1' {
		
			echo	'Loading Xen 4.17-amd64 ...'
		        if [ "$grub_platform" = "pc" -o "$grub_platform" = "" ]; then
		            xen_rm_opts=
		        else
		            xen_rm_opts="no-real-mode edd=off"
		        fi
			multiboot2	/xen-4.17-amd64.gz placeholder  dom0_mem=2G ucode=scan ${xen_rm_opts}
			echo	'Loading Linux 6.1.0-56-amd64 ...'
			module2	/vmlinuz-6.1.0-56-amd64 placeholder root=/dev/vda1 ro  quiet
			echo	'Loading initial ramdisk ...'
			module2	--nounzip   /initrd.img-6.1.0-56-amd64
		}
		menuentry 'GNU/Linux, with Xen 4.17-amd64 and Linux 6.1.0-56-amd64 ()' --class gnu-linux --class gnu --class os --class xen $menuentry_id_option 'xen-gnulinux-6.1.0-56-amd64-recovery-/dev/vda1' {
		
			echo	'Loading Xen 4.17-amd64 ...'
		        if [ "$grub_platform" = "pc" -o "$grub_platform" = "" ]; then
		            xen_rm_opts=
		        else
		            xen_rm_opts="no-real-mode edd=off"
		        fi
			multiboot2	/xen-4.17-amd64.gz placeholder  ${xen_rm_opts}
			echo	'Loading Linux 6.1.0-56-amd64 ...'
			module2	/vmlinuz-6.1.0-56-amd64 placeholder root=/dev/vda1 ro single 
			echo	'Loading initial ramdisk ...'
			module2	--nounzip   /initrd.img-6.1.0-56-amd64
		}
	}
}
"""#

    /// The same with /boot/intel-ucode.img present: GRUB 2.06 writes it and
    /// the initrd on one `module2 --nounzip` line (every entry, recovery too).
    static let debianGrubCfgSingleLine = debianGrubCfg.replacing(
        "--nounzip   /initrd.img-", with: "--nounzip   /intel-ucode.img /initrd.img-")
}

/// A throwaway root for `check`: /proc, /sys, /boot, /etc as the tests want them.
final class BootFakeRoot {
    let directory: TemporaryDirectory
    var path: String { directory.path }

    init(cpus: [Fabricate.FakeCPU] = [Fabricate.FakeCPU(number: 0), Fabricate.FakeCPU(number: 1)]) throws {
        directory = try TemporaryDirectory("boot-root")
        for dir in ["proc/sys/kernel", "sys/devices/system/cpu", "boot/grub", "etc/default/grub.d", "etc/grub.d",
                    "etc/initramfs-tools/hooks", "usr/share/initramfs-tools/hooks", "usr/local/sbin", "firmware/intel-ucode"] {
            try directory.directory(dir)
        }
        try write("proc/cpuinfo", Fabricate.cpuinfo(cpus))
        try write("proc/sys/kernel/tainted", "0\n")
        try write("boot/initrd.img-6.1.0-56-amd64", "initrd")
        try write("boot/xen-4.17-amd64.gz", "xen")
        try write("etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n")
        try write("etc/default/grub.d/zz-early-ucode.cfg", GrubFragment.content(.auto))
        try write("etc/grub.d/20_linux_xen", "\tmodule2 --nounzip   $(echo $initrd_path)\n")
        try write("boot/grub/grub.cfg", BootFixtures.debianGrubCfg)
        try write("etc/initramfs-tools/hooks/early-ucode", "#!/bin/sh\n", mode: 0o755)
        try write("usr/local/sbin/early-ucode", "binary", mode: 0o755)
        try write("etc/default/early-ucode", "EARLY_UCODE_FIRMWARE_DIRS=\(path)/firmware\n")
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        let file = directory.file(relative)
        try Fabricate.write(text, to: file)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
    }

    func write(_ relative: String, bytes: [UInt8]) throws {
        try Fabricate.write(bytes, to: directory.file(relative))
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: directory.file(relative))
    }

    var inputs: ReadinessInputs { ReadinessInputs(root: path) }
}
