/// Every input `check` reads, so tests (and fleet tools) can point each one
/// at captured files.
public struct ReadinessInputs: Sendable {
    public var cpuinfo: String
    public var sysfs: String
    /// Nil: read none (defaults).
    public var config: String?
    /// The configuration was named by the user: its absence is an error.
    public var configRequired = false
    /// Microcode sources; nil: the configuration's (or the system's).
    public var firmware: [MicrocodeSource]?
    public var bootDirectory: String
    public var grubCfg: String
    public var grubDefaultsFile: String
    public var grubDefaultsDirectory: String
    /// Debian's GRUB script for Xen entries, to tell whether it puts early
    /// initrds on one `module2` line (2.04-2.06).
    public var grubXenScript: String
    public var hookDirectory: String
    public var packageHookDirectory: String
    /// Where Debian's `intel-microcode` and `amd64-microcode` settings live.
    public var defaultsDirectory: String
    /// The binary the hook in `hookDirectory` runs (scripts/install's), and
    /// the one the hook in `packageHookDirectory` runs (the package's).
    public var binary: String
    public var packagedBinary: String
    /// early-ucode's dracut module and its dracut.conf.d file.
    public var dracutModule: String
    public var dracutConf: OverridableFile
    /// early-ucode's kernel-install plugin, and kernel-install's
    /// configuration files (the later one wins, as kernel-install reads them).
    public var kernelInstallPlugin: OverridableFile
    public var kernelInstallConfs: [String]
    /// Present while early-file mode is on (`early-ucode early-file enable`).
    public var earlyFileMarker: String
    public var taint: String
    /// The kernels and Xens to judge images for; nil: those in `bootDirectory`.
    public var kernels: [String]?
    public var xens: [String]?
    /// Where what was read from them is cached.
    public var loaderCache: String
    /// The EFI system partition (xen.efi and its configurations, unified
    /// kernel images in EFI/Linux); not there: no EFI findings.
    public var esp: String

    /// Where Xen's log comes from.
    public var xenLog: XenLogSource = .none

    /// The folder the system's paths are under ("/" on a host).
    public var root: String

    /// The system's paths, under `root` (for captured trees and tests).
    public init(root: String = "/") {
        self.root = root
        func at(_ path: String) -> String {
            root == "/" || root.isEmpty ? path : (root.hasSuffix("/") ? String(root.dropLast()) : root) + path
        }
        cpuinfo = at(HostCPUs.defaultCPUInfo)
        sysfs = at(HostCPUs.defaultSysfs)
        config = at(EarlyUcodeConfig.defaultPath)
        bootDirectory = at("/boot")
        grubCfg = at("/boot/grub/grub.cfg")
        grubDefaultsFile = at(GrubDefaults.defaultFile)
        grubDefaultsDirectory = at(GrubDefaults.defaultDirectory)
        grubXenScript = at("/etc/grub.d/20_linux_xen")
        hookDirectory = at(Path.split(Integrations.initramfsHook).directory)
        packageHookDirectory = at(Path.split(Integrations.packagedInitramfsHook).directory)
        defaultsDirectory = at("/etc/default")
        binary = at(Integrations.binary)
        packagedBinary = at(Integrations.packagedBinary)
        dracutModule = at(Integrations.dracutModule)
        dracutConf = Integrations.dracutConf.under(at)
        kernelInstallPlugin = Integrations.kernelInstallPlugin.under(at)
        kernelInstallConfs = [at("/usr/lib/kernel/install.conf"), at("/etc/kernel/install.conf")]
        earlyFileMarker = at(EarlyFile.defaultMarker)
        taint = at(LateLoading.defaultTaintPath)
        loaderCache = at(LoaderBinaryCache.defaultDirectory)
        esp = at(XenEFI.defaultESP)
    }

    /// early-ucode's initramfs-tools hooks, scripts/install's and the
    /// package's, with the binary each runs.
    public var initramfsHooks: [(hook: String, binary: String)] {
        [(Path.join(hookDirectory, "early-ucode"), binary), (Path.join(packageHookDirectory, "early-ucode"), packagedBinary)]
    }
}
