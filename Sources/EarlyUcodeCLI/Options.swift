import EarlyUcode

/// Where microcode comes from.
struct SourceOptions: ParameterGroup {

    static var parameters: Parameters<Self> {
        Parameters(
            .option("firmware-dir", \.firmwareDirs, value: "DIR", help: "Read microcode from this folder instead of /lib/firmware (repeatable).", discussion: "A firmware root holding intel-ucode/ or amd-ucode/, or a folder of microcode files."),
            .flag("skip-invalid", \.skipInvalid, help: "Report malformed microcode files and go on without them."),
            .flag("allow-insecure-sources", \.allowInsecureSources, help: "Read sources and the configuration file even if users other than root could have written them.", discussion: "As root, early-ucode refuses a microcode file or folder, or the configuration file, that is not owned by root or is writable by group or others, or sits in such a folder (symbolic links resolved)."),
            .arguments("SOURCE", \.paths, help: "Microcode files or folders to read instead of the system's."))
    }
    var firmwareDirs: [String] = []

    var skipInvalid = false

    var allowInsecureSources = false

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
            sourceTrust: trust,
            checks: .whatCanBeWritten)
        let plan = try job.plan()
        for problem in plan.catalog.invalid { context.warning("skipped invalid file: \(problem)") }
        if plan.catalog.isEmpty {
            throw config.nothingFound(in: sources, commandLineNamedSources: !commandLineSources.isEmpty)
        }
        return plan
    }
}

/// Which CPUs to build for.
struct SelectionOptions: ParameterGroup {

    static var parameters: Parameters<Self> {
        Parameters(
            .flag("host", \.host, help: "Build for the CPUs of this host (the default)."),
            .option("cpu", \.cpus, value: "SIG[,PF]", help: "Build for this CPU: signature (0x50654 or 06-55-04), optional Intel platform flags (repeatable)."),
            .flag("all", \.all, help: "Build for every CPU the sources have microcode for."),
            .option("vendor", \.vendor, value: "intel|amd", help: "Only this vendor's microcode."),
            .option("exclude", \.exclusions, value: "SIG[,REV]", help: "Never write microcode for this CPU, or only not this revision of it (repeatable)."),
            .group(\.hostInputs))
    }
    var host = false

    var cpus: [String] = []

    var all = false

    var vendor: String?

    var exclusions: [String] = []

    var hostInputs = HostInputOptions()

    func validate() throws {
        if all && (host || !cpus.isEmpty) {
            throw UsageError("--all cannot be combined with --host or --cpu")
        }
        for cpu in cpus where CPUTarget(parsing: cpu) == nil {
            throw UsageError("--cpu \(cpu): expected SIG[,PF], e.g. 0x50654 or 0x50654,0x80")
        }
        for exclusion in exclusions where Exclusion(parsing: exclusion) == nil {
            throw UsageError("--exclude \(exclusion): expected SIG[,REV], e.g. 0x50654 or 0x50654,0x2007006")
        }
        if let vendor, Vendor(shortName: vendor) == nil {
            throw UsageError("--vendor \(vendor): expected intel or amd")
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
struct HostInputOptions: ParameterGroup {

    static var parameters: Parameters<Self> {
        Parameters(
            .option("cpuinfo", \.cpuinfo, value: "FILE", help: "Read the CPU list from this file (default /proc/cpuinfo)."),
            .option("sysfs", \.sysfs, value: "DIR", help: "Read per-CPU microcode details from this sysfs folder (default /sys/devices/system/cpu)."))
    }
    var cpuinfo: String?

    var sysfs: String?

    func read(in context: CommandContext) throws -> HostCPUs {
        try HostCPUs.read(cpuinfo: cpuinfo ?? context.path(HostCPUs.defaultCPUInfo),
                          sysfs: sysfs ?? context.path(HostCPUs.defaultSysfs))
    }
}

/// `/etc/default/early-ucode`, or the file `--config` names.
struct ConfigOptions: ParameterGroup {

    static var parameters: Parameters<Self> {
        Parameters(
            .option("config", \.config, value: "FILE", help: "Read settings from this file instead of \(EarlyUcodeConfig.defaultPath) (which is read when it exists)."),
            .flag("no-config", \.noConfig, help: "Read no configuration file."))
    }
    var config: String?

    var noConfig = false

    func validate() throws {
        if noConfig && config != nil { throw UsageError("--config and --no-config cannot be combined") }
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
struct LoaderBinaryOptions: ParameterGroup {

    static var parameters: Parameters<Self> {
        Parameters(
            .option("kernel", \.kernels, value: "FILE", help: "Predict for this kernel (a bzImage; repeatable) instead of /boot's vmlinuz-*."),
            .option("xen", \.xens, value: "FILE", help: "Predict for this Xen (xen-*.gz or xen*.efi; repeatable) instead of /boot's."),
            .flag("no-loaders", \.noLoaders, help: "Read no kernel or Xen binary: predict with the generic Linux 6.1 and Xen 4.17 rules only."))
    }
    var kernels: [String] = []

    var xens: [String] = []

    var noLoaders = false

    func validate() throws {
        if noLoaders && !(kernels.isEmpty && xens.isEmpty) {
            throw UsageError("--no-loaders cannot be combined with --kernel or --xen")
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
