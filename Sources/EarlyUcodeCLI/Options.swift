import ArgumentParser
import EarlyUcode

/// Where microcode comes from.
struct SourceOptions: ParsableArguments {
    @Option(name: .customLong("firmware-dir"), help: ArgumentHelp(
        "Read microcode from this folder instead of /lib/firmware (repeatable).",
        discussion: "A firmware root holding intel-ucode/ or amd-ucode/, or a folder of microcode files.",
        valueName: "DIR"))
    var firmwareDirs: [String] = []

    @Flag(help: "Report malformed microcode files and go on without them.")
    var skipInvalid = false

    @Flag(help: ArgumentHelp(
        "Read sources and the configuration file even if users other than root could have written them.",
        discussion: "As root, early-ucode refuses a microcode file or folder, or the configuration file, that is not owned by root or is writable by group or others, or sits in such a folder (symbolic links resolved)."))
    var allowInsecureSources = false

    @Argument(help: ArgumentHelp("Microcode files or folders to read instead of the system's.", valueName: "SOURCE"))
    var paths: [String] = []

    /// What the command line names; empty when it names nothing.
    var commandLineSources: [MicrocodeSource] {
        firmwareDirs.flatMap(MicrocodeSource.firmwareDirectory)
            + paths.map { FileIO.resolvedKind($0) == .directory ? .directory($0, required: true) : .file($0) }
    }

    /// Checked only when running as root.
    var trust: SourceTrust? { SourceTrust.whenRoot(allowInsecure: allowInsecureSources) }

    /// The sources in effect: the command line's, the configuration's, or
    /// the system's (under the context's root).
    func sources(config: EarlyUcodeConfig, in context: CommandContext) -> [MicrocodeSource] {
        config.sources(commandLine: commandLineSources, systemDefaults: MicrocodeSource.systemDefaults(under: context.root))
    }

    /// Reads the sources and selects, as build and rebuild do: skipped
    /// invalid files are warned about, and sources with no microcode at all
    /// are an error.
    func plan(_ request: SelectionRequest, config: EarlyUcodeConfig, in context: CommandContext) throws -> BuildJob.Plan {
        let sources = sources(config: config, in: context)
        let job = BuildJob(
            sources: sources,
            skipInvalid: skipInvalid,
            request: request,
            sourceDateEpoch: try BuildJob.sourceDateEpoch(from: context.environment),
            sourceTrust: trust)
        let plan = try job.plan()
        for problem in plan.catalog.invalid { context.warning("skipped invalid file: \(problem)") }
        if plan.catalog.isEmpty {
            throw config.nothingFound(in: sources, commandLineNamedSources: !commandLineSources.isEmpty)
        }
        return plan
    }
}

/// Which CPUs to build for.
struct SelectionOptions: ParsableArguments {
    @Flag(help: "Build for the CPUs of this host (the default).")
    var host = false

    @Option(name: .customLong("cpu"), help: ArgumentHelp(
        "Build for this CPU: signature (0x50654 or 06-55-04), optional Intel platform flags (repeatable).",
        valueName: "SIG[,PF]"))
    var cpus: [String] = []

    @Flag(help: "Build for every CPU the sources have microcode for.")
    var all = false

    @Option(help: ArgumentHelp("Only this vendor's microcode.", valueName: "intel|amd"))
    var vendor: String?

    @Option(name: .customLong("exclude"), help: ArgumentHelp(
        "Never write microcode for this CPU, or only not this revision of it (repeatable).",
        valueName: "SIG[,REV]"))
    var exclusions: [String] = []

    @OptionGroup var hostInputs: HostInputOptions

    mutating func validate() throws {
        if all && (host || !cpus.isEmpty) {
            throw ValidationError("--all cannot be combined with --host or --cpu")
        }
        for cpu in cpus where CPUTarget(parsing: cpu) == nil {
            throw ValidationError("--cpu \(cpu): expected SIG[,PF], e.g. 0x50654 or 0x50654,0x80")
        }
        for exclusion in exclusions where Exclusion(parsing: exclusion) == nil {
            throw ValidationError("--exclude \(exclusion): expected SIG[,REV], e.g. 0x50654 or 0x50654,0x2007006")
        }
        if let vendor, Vendor(shortName: vendor) == nil {
            throw ValidationError("--vendor \(vendor): expected intel or amd")
        }
    }

    var choice: SelectionChoice {
        SelectionChoice(host: host, cpus: cpus.compactMap(CPUTarget.init(parsing:)), all: all,
                        vendors: vendor.flatMap(Vendor.init(shortName:)).map { [$0] } ?? Set(Vendor.allCases),
                        exclusions: exclusions.compactMap(Exclusion.init(parsing:)))
    }

    var isExplicit: Bool { choice.isExplicit }

    /// The request once the configuration is applied (nil: EARLY_UCODE=no).
    func request(config: EarlyUcodeConfig, defaultScope: EarlyUcodeConfig.Scope = .auto, in context: CommandContext) throws -> SelectionRequest? {
        try config.request(for: choice, defaultScope: defaultScope) { try hostInputs.read(in: context).targets }
    }
}

/// Where this host's CPUs are read from.
struct HostInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read the CPU list from this file (default /proc/cpuinfo).", valueName: "FILE"))
    var cpuinfo: String?

    @Option(help: ArgumentHelp("Read per-CPU microcode details from this sysfs folder (default /sys/devices/system/cpu).", valueName: "DIR"))
    var sysfs: String?

    func read(in context: CommandContext) throws -> HostCPUs {
        try HostCPUs.read(cpuinfo: cpuinfo ?? context.path(HostCPUs.defaultCPUInfo),
                          sysfs: sysfs ?? context.path(HostCPUs.defaultSysfs))
    }
}

/// `/etc/default/early-ucode`, or the file `--config` names.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Read settings from this file instead of \(EarlyUcodeConfig.defaultPath) (which is read when it exists).",
        valueName: "FILE"))
    var config: String?

    @Flag(help: "Read no configuration file.")
    var noConfig = false

    func validate() throws {
        if noConfig && config != nil { throw ValidationError("--config and --no-config cannot be combined") }
    }

    /// The commands with source options pass their trust, so
    /// --allow-insecure-sources covers the file too; the others offer
    /// --no-config as the way around.
    func load(in context: CommandContext, trust: SourceTrust? = SourceTrust.whenRoot(allowInsecure: false).map {
        SourceTrust(owner: $0.owner, overrideHint: "--no-config")
    }) throws -> EarlyUcodeConfig {
        try EarlyUcodeConfig.load(named: config, readNone: noConfig, defaultPath: context.path(EarlyUcodeConfig.defaultPath), trust: trust)
    }
}

/// The kernels and Xens that will boot: named, or /boot's.
struct LoaderBinaryOptions: ParsableArguments {
    @Option(name: .customLong("kernel"), help: ArgumentHelp(
        "Predict for this kernel (a bzImage; repeatable) instead of /boot's vmlinuz-*.", valueName: "FILE"))
    var kernels: [String] = []

    @Option(name: .customLong("xen"), help: ArgumentHelp(
        "Predict for this Xen (xen-*.gz or xen*.efi; repeatable) instead of /boot's.", valueName: "FILE"))
    var xens: [String] = []

    @Flag(help: "Read no kernel or Xen binary: predict with the generic Linux 6.1 and Xen 4.17 rules only.")
    var noLoaders = false

    func validate() throws {
        if noLoaders && !(kernels.isEmpty && xens.isEmpty) {
            throw ValidationError("--no-loaders cannot be combined with --kernel or --xen")
        }
    }

    /// What was read is cached under /var/cache/early-ucode (below the
    /// context's root), so the next run does not decompress the kernel again.
    func installed(in context: CommandContext) -> InstalledLoaders {
        if noLoaders { return InstalledLoaders(kernels: [], xens: []) }
        let cache = LoaderBinaryCache(directory: context.path(LoaderBinaryCache.defaultDirectory))
        if kernels.isEmpty && xens.isEmpty {
            return InstalledLoaders.installed(in: context.path("/boot"), cache: cache)
        }
        return InstalledLoaders.read(kernels: kernels, xens: xens, cache: cache)
    }
}
