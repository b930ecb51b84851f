import EarlyUcode

struct Check: RunnableCommand {
    static var info: CommandInfo { CommandInfo(
        name: "check",
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
            """) }

    static var parameters: Parameters<Self> {
        Parameters(
            .flag("json", \.json, help: "Print the findings as one JSON object (see docs/json.md)."),
            .option("root", \.root, value: "DIR", help: "Read every input below this folder instead of /."),
            .group(\.settings),
            .option("firmware-dir", \.firmwareDirs, value: "DIR", help: "Compare with microcode from this folder instead of the configured sources (repeatable)."),
            .option("cpuinfo", \.cpuinfo, value: "FILE", help: "The CPU list (default ROOT/proc/cpuinfo)."),
            .option("sysfs", \.sysfs, value: "DIR", help: "Per-CPU sysfs folder (default ROOT/sys/devices/system/cpu)."),
            .option("boot-dir", \.bootDir, value: "DIR", help: "Where kernels, initrds and Xen are (default ROOT/boot)."),
            .option("grub-cfg", \.grubCfg, value: "FILE", help: "GRUB's generated configuration (default ROOT/boot/grub/grub.cfg)."),
            .option("grub-defaults-file", \.grubDefaultsFile, value: "FILE", help: "GRUB's defaults (default ROOT/etc/default/grub)."),
            .option("grub-defaults-dir", \.grubDefaultsDir, value: "DIR", help: "GRUB's defaults folder (default ROOT/etc/default/grub.d)."),
            .option("grub-xen-script", \.grubXenScript, value: "FILE", help: "GRUB's Xen script (default ROOT/etc/grub.d/20_linux_xen)."),
            .option("hooks-dir", \.hooksDir, value: "DIR", help: "initramfs-tools' local hooks (default ROOT/etc/initramfs-tools/hooks)."),
            .option("package-hooks-dir", \.packageHooksDir, value: "DIR", help: "Packaged initramfs hooks (default ROOT/usr/share/initramfs-tools/hooks)."),
            .option("defaults-dir", \.defaultsDir, value: "DIR", help: "Where intel-microcode/amd64-microcode settings are (default ROOT/etc/default)."),
            .option("tainted", \.tainted, value: "FILE", help: "The kernel's taint mask (default ROOT/proc/sys/kernel/tainted)."),
            .option("xen-log", \.xenLog, value: "FILE", help: "Xen's log (an 'xl dmesg' capture). Default: 'xl dmesg' when running as dom0."),
            .option("esp", \.esp, value: "DIR", help: "The EFI system partition: xen.efi's configurations, unified kernel images in EFI/Linux (default ROOT/boot/efi)."),
            .group(\.loaders))
    }

    var json = false

    var root: String?

    var settings = ConfigOptions()

    var firmwareDirs: [String] = []

    var cpuinfo: String?
    var sysfs: String?
    var bootDir: String?
    var grubCfg: String?
    var grubDefaultsFile: String?
    var grubDefaultsDir: String?
    var grubXenScript: String?
    var hooksDir: String?
    var packageHooksDir: String?
    var defaultsDir: String?
    var tainted: String?
    var xenLog: String?

    var esp: String?

    var loaders = LoaderBinaryOptions()

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
        if !report.ready { throw ExitStatus(1) }
    }
}
