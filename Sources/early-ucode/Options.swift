import ArgumentParser
import EarlyUcode
import FoundationEssentials

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

    var sources: [MicrocodeSource] {
        if firmwareDirs.isEmpty && paths.isEmpty { return MicrocodeSource.systemDefaults }
        return firmwareDirs.flatMap(MicrocodeSource.firmwareDirectory)
            + paths.map { FileIO.resolvedKind($0) == .directory ? .directory($0, required: true) : .file($0) }
    }

    var usesSystemDefaults: Bool { firmwareDirs.isEmpty && paths.isEmpty }

    /// Checked only when running as root.
    var trust: SourceTrust? { SourceTrust.whenRoot(allowInsecure: allowInsecureSources) }
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

    @Option(help: ArgumentHelp("Read the CPU list from this file.", valueName: "FILE"))
    var cpuinfo: String = HostCPUs.defaultCPUInfo

    @Option(help: ArgumentHelp("Read per-CPU microcode details from this sysfs folder.", valueName: "DIR"))
    var sysfs: String = HostCPUs.defaultSysfs

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

    var usesHost: Bool { !all && (host || cpus.isEmpty) }

    /// `--vendor`, or both.
    var vendors: Set<Vendor> { vendor.flatMap(Vendor.init(shortName:)).map { [$0] } ?? Set(Vendor.allCases) }

    func request() throws -> SelectionRequest {
        let vendors = self.vendors
        var targets = cpus.compactMap(CPUTarget.init(parsing:))
        if usesHost {
            targets = try HostCPUs.read(cpuinfo: cpuinfo, sysfs: sysfs).targets + targets
        }
        return SelectionRequest(
            scope: all ? .all : .cpus(targets),
            vendors: vendors,
            exclusions: exclusions.compactMap(Exclusion.init(parsing:)))
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

    /// Reads the configuration; as root, only from a file no other user
    /// could have written (it chooses what goes into the boot path). The
    /// commands with source options pass theirs, so --allow-insecure-sources
    /// covers the file too; the others offer --no-config as the way around.
    func load(trust: SourceTrust? = SourceTrust.whenRoot(allowInsecure: false).map {
        SourceTrust(owner: $0.owner, overrideHint: "--no-config")
    }) throws -> EarlyUcodeConfig {
        if noConfig { return EarlyUcodeConfig() }
        let path = config ?? EarlyUcodeConfig.defaultPath
        try trust?.check(path)
        return try EarlyUcodeConfig.load(path, required: config != nil)
    }
}

extension SelectionOptions {
    /// --host, --cpu or --all given: the command line decides the CPUs and the
    /// configuration's EARLY_UCODE and EARLY_UCODE_CPUS are not used.
    var isExplicit: Bool { host || all || !cpus.isEmpty }

    /// The request once the configuration is applied; nil when it turns
    /// microcode off (EARLY_UCODE=no) and the command line chose no CPUs.
    /// Exclusions add up: a fleet's EARLY_UCODE_EXCLUDE keeps applying when
    /// someone names CPUs by hand.
    func request(config: EarlyUcodeConfig, defaultScope: EarlyUcodeConfig.Scope = .auto) throws -> SelectionRequest? {
        var request: SelectionRequest
        if isExplicit {
            request = try self.request()
        } else {
            let exclusions = exclusions.compactMap(Exclusion.init(parsing:))
            switch config.scope ?? defaultScope {
            case .no:
                return nil
            case .all:
                request = SelectionRequest(scope: .all, vendors: vendors, exclusions: exclusions)
            case .auto:
                let host = try HostCPUs.read(cpuinfo: cpuinfo, sysfs: sysfs).targets
                request = SelectionRequest(scope: .cpus(host + config.cpus), vendors: vendors, exclusions: exclusions)
            }
        }
        for exclusion in config.exclusions where !request.exclusions.contains(exclusion) {
            request.exclusions.append(exclusion)
        }
        return request
    }
}

extension SourceOptions {
    /// Command-line sources win over EARLY_UCODE_FIRMWARE_DIRS.
    func sources(config: EarlyUcodeConfig) -> [MicrocodeSource] {
        usesSystemDefaults ? config.sources : sources
    }

    func nothingFoundMessage(config: EarlyUcodeConfig) -> String {
        let places = sources(config: config).map(\.path).joined(separator: ", ")
        var text = "no microcode found in \(places)"
        if usesSystemDefaults && config.firmwareDirectories.isEmpty {
            text += "; install Debian's intel-microcode or amd64-microcode (component non-free-firmware), or point --firmware-dir at a folder of microcode"
        }
        return text
    }
}

extension SourceOptions {
    /// Reads the sources and selects, as build and rebuild do: skipped
    /// invalid files are warned about, and sources with no microcode at all
    /// are an error.
    func plan(_ request: SelectionRequest, config: EarlyUcodeConfig) throws -> BuildJob.Plan {
        let job = BuildJob(
            sources: sources(config: config),
            skipInvalid: skipInvalid,
            request: request,
            sourceDateEpoch: try BuildJob.sourceDateEpoch(from: ProcessInfo.processInfo.environment),
            sourceTrust: trust)
        let plan = try job.plan()
        for problem in plan.catalog.invalid { Console.warning("skipped invalid file: \(problem)") }
        if plan.catalog.isEmpty { throw CLIError(nothingFoundMessage(config: config)) }
        return plan
    }
}
