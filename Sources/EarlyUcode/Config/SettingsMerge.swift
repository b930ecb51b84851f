/// What the command line chose about CPUs, before `/etc/default/early-ucode`
/// is applied.
public struct SelectionChoice: Sendable, Equatable {
    /// `--host`.
    public var host: Bool
    /// `--cpu`.
    public var cpus: [CPUTarget]
    /// `--all`.
    public var all: Bool
    /// `--vendor`, or both.
    public var vendors: Set<Vendor>
    /// `--exclude`.
    public var exclusions: [Exclusion]

    public init(host: Bool = false, cpus: [CPUTarget] = [], all: Bool = false,
                vendors: Set<Vendor> = Set(Vendor.allCases), exclusions: [Exclusion] = []) {
        self.host = host
        self.cpus = cpus
        self.all = all
        self.vendors = vendors
        self.exclusions = exclusions
    }

    /// --host, --cpu or --all given: the command line decides the CPUs and
    /// the configuration's EARLY_UCODE and EARLY_UCODE_CPUS are not used.
    public var isExplicit: Bool { host || all || !cpus.isEmpty }

    /// Whether this host's CPUs are among those built for.
    public var usesHost: Bool { !all && (host || cpus.isEmpty) }
}

/// The rules by which the configuration file and the command line combine,
/// in one place: build, list and rebuild (and the hook, through build) all
/// go through them.
extension EarlyUcodeConfig {
    /// Reads the configuration as `--config FILE` / `--no-config` say: a
    /// named file must exist, the default one (under the context's root) is
    /// read when it is there; as root, only a file no other user could have
    /// written (it chooses what goes into the boot path).
    public static func load(named: String?, readNone: Bool, defaultPath: String = EarlyUcodeConfig.defaultPath,
                            trust: SourceTrust?) throws -> EarlyUcodeConfig {
        if readNone { return EarlyUcodeConfig() }
        let path = named ?? defaultPath
        try trust?.check(path)
        return try load(path, required: named != nil)
    }

    /// The request once the configuration is applied; nil when it turns
    /// microcode off (EARLY_UCODE=no) and the command line chose no CPUs.
    /// Exclusions add up: a fleet's EARLY_UCODE_EXCLUDE keeps applying when
    /// someone names CPUs by hand. `host` is read only when needed.
    public func request(for choice: SelectionChoice, defaultScope: Scope = .auto,
                        host: () throws -> [CPUTarget]) throws -> SelectionRequest? {
        var request: SelectionRequest
        if choice.isExplicit {
            let targets = (choice.usesHost ? try host() : []) + choice.cpus
            request = SelectionRequest(scope: choice.all ? .all : .cpus(targets), vendors: choice.vendors, exclusions: choice.exclusions)
        } else {
            switch scope ?? defaultScope {
            case .no:
                return nil
            case .all:
                request = SelectionRequest(scope: .all, vendors: choice.vendors, exclusions: choice.exclusions)
            case .auto:
                request = SelectionRequest(scope: .cpus(try host() + cpus), vendors: choice.vendors, exclusions: choice.exclusions)
            }
        }
        for exclusion in exclusions where !request.exclusions.contains(exclusion) {
            request.exclusions.append(exclusion)
        }
        return request
    }

    /// Where microcode comes from: sources named on the command line win
    /// over EARLY_UCODE_FIRMWARE_DIRS, which wins over the system's.
    public func sources(commandLine: [MicrocodeSource], systemDefaults: [MicrocodeSource] = MicrocodeSource.systemDefaults) -> [MicrocodeSource] {
        if !commandLine.isEmpty { return commandLine }
        return firmwareDirectories.isEmpty ? systemDefaults : firmwareDirectories.flatMap(MicrocodeSource.firmwareDirectory)
    }

    /// What to say when `sources` hold no microcode at all; the package hint
    /// only when the system's folders were read.
    public func nothingFound(in sources: [MicrocodeSource], commandLineNamedSources: Bool) -> Problem {
        .microcode(.nothingFound(places: sources.map(\.path), systemFolders: !commandLineNamedSources && firmwareDirectories.isEmpty))
    }
}
