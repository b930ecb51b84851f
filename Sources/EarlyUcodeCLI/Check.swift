import ArgumentParser
import EarlyUcode

struct Check: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Say whether this host will load current microcode early at its next boot.",
        discussion: """
            Findings (ok, warning, problem) about the configuration, the CPUs and the microcode \
            available for them, the initrd images, the initramfs hooks, GRUB's Xen entries and \
            signs of late loading. Exit status 0: no problem; 1: at least one problem. Every input \
            can be pointed at captured files (--root, or one option per input). Each \
            /boot/initrd.img-* is read as `inspect` reads it: what Linux (and Xen, when grub.cfg has \
            Xen entries) would load from it for this host's CPUs, against the newest microcode \
            available; so are the EFI system partition's xen.efi configurations (each section's ucode= \
            file, as that Xen release reads it) and unified kernel images in EFI/Linux.
            """)

    @Flag(help: "Print the findings as one JSON object (see docs/json.md).")
    var json = false

    @Option(help: ArgumentHelp("Read every input below this folder instead of /.", valueName: "DIR"))
    var root: String?

    @OptionGroup var settings: ConfigOptions

    @Option(name: .customLong("firmware-dir"), help: ArgumentHelp(
        "Compare with microcode from this folder instead of the configured sources (repeatable).", valueName: "DIR"))
    var firmwareDirs: [String] = []

    @Option(help: ArgumentHelp("The CPU list (default ROOT/proc/cpuinfo).", valueName: "FILE"))
    var cpuinfo: String?
    @Option(help: ArgumentHelp("Per-CPU sysfs folder (default ROOT/sys/devices/system/cpu).", valueName: "DIR"))
    var sysfs: String?
    @Option(help: ArgumentHelp("Where kernels, initrds and Xen are (default ROOT/boot).", valueName: "DIR"))
    var bootDir: String?
    @Option(help: ArgumentHelp("GRUB's generated configuration (default ROOT/boot/grub/grub.cfg).", valueName: "FILE"))
    var grubCfg: String?
    @Option(help: ArgumentHelp("GRUB's defaults (default ROOT/etc/default/grub).", valueName: "FILE"))
    var grubDefaultsFile: String?
    @Option(help: ArgumentHelp("GRUB's defaults folder (default ROOT/etc/default/grub.d).", valueName: "DIR"))
    var grubDefaultsDir: String?
    @Option(help: ArgumentHelp("GRUB's Xen script (default ROOT/etc/grub.d/20_linux_xen).", valueName: "FILE"))
    var grubXenScript: String?
    @Option(help: ArgumentHelp("initramfs-tools' local hooks (default ROOT/etc/initramfs-tools/hooks).", valueName: "DIR"))
    var hooksDir: String?
    @Option(help: ArgumentHelp("Packaged initramfs hooks (default ROOT/usr/share/initramfs-tools/hooks).", valueName: "DIR"))
    var packageHooksDir: String?
    @Option(help: ArgumentHelp("Where intel-microcode/amd64-microcode settings are (default ROOT/etc/default).", valueName: "DIR"))
    var defaultsDir: String?
    @Option(help: ArgumentHelp("The kernel's taint mask (default ROOT/proc/sys/kernel/tainted).", valueName: "FILE"))
    var tainted: String?
    @Option(help: ArgumentHelp("Xen's log (an 'xl dmesg' capture). Default: 'xl dmesg' when running as dom0.", valueName: "FILE"))
    var xenLog: String?

    @Option(help: ArgumentHelp("The EFI system partition: xen.efi's configurations, unified kernel images in EFI/Linux (default ROOT/boot/efi).", valueName: "DIR"))
    var esp: String?

    @OptionGroup var loaders: LoaderBinaryOptions

    func run(in context: CommandContext) throws {
        let root = self.root ?? context.root
        var inputs = ReadinessInputs(root: root)
        if let path = settings.config {
            inputs.config = path
            inputs.configRequired = true
        } else if settings.noConfig {
            inputs.config = nil
        }
        if !firmwareDirs.isEmpty { inputs.firmware = firmwareDirs.flatMap(MicrocodeSource.firmwareDirectory) }
        if let cpuinfo { inputs.cpuinfo = cpuinfo }
        if let sysfs { inputs.sysfs = sysfs }
        if let bootDir {
            inputs.bootDirectory = bootDir
            if grubCfg == nil { inputs.grubCfg = Path.join(bootDir, "grub/grub.cfg") }
        }
        if let grubCfg { inputs.grubCfg = grubCfg }
        if let grubDefaultsFile { inputs.grubDefaultsFile = grubDefaultsFile }
        if let grubDefaultsDir { inputs.grubDefaultsDirectory = grubDefaultsDir }
        if let grubXenScript { inputs.grubXenScript = grubXenScript }
        if let hooksDir { inputs.hookDirectory = hooksDir }
        if let packageHooksDir { inputs.packageHookDirectory = packageHooksDir }
        if let defaultsDir { inputs.defaultsDirectory = defaultsDir }
        if let tainted { inputs.taint = tainted }
        if let esp { inputs.esp = esp }
        if loaders.noLoaders {
            inputs.kernels = []
            inputs.xens = []
        } else if !loaders.kernels.isEmpty || !loaders.xens.isEmpty {
            inputs.kernels = loaders.kernels
            inputs.xens = loaders.xens
        }
        // Only this host's own log: a captured tree (--root) has no running Xen.
        inputs.xenLog = xenLog.map(XenLogSource.file) ?? (root == "/" ? .running(root: "/") : .none)

        let report = ReadinessCheck.run(inputs, images: InitrdFindings())
        if json {
            try context.reporting { try context.json(report) }
        } else {
            for finding in report.findings { context.out(finding.text) }
            let problems = report.findings.filter { $0.level == .problem }.count
            let warnings = report.findings.filter { $0.level == .warning }.count
            context.out(report.ready
                ? "ready: no problems (\(warnings) warning\(warnings == 1 ? "" : "s"))"
                : "not ready: \(problems) problem\(problems == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        if !report.ready { throw ExitCode(1) }
    }
}
