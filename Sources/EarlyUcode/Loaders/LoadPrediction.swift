/// The two early loaders whose choices differ.
public enum BootLoader: String, Sendable, CaseIterable, Codable {
    /// Linux's early loader (Debian 12: 6.1).
    case linux
    /// Xen 4.17's `ucode=scan` (the image as module 1).
    case xen

    public var name: String { self == .linux ? "Linux" : "Xen" }

    /// How this loader orders revisions (both compare unsigned; see `RevisionOrder`).
    public var revisionOrder: RevisionOrder {
        switch self {
        case .linux: .linux
        case .xen: .xen
        }
    }
}

/// A CPU to predict for, with its running revision when it is this host's.
public struct InspectedCPU: Sendable, Equatable, CustomStringConvertible {
    public var signature: CPUSignature
    /// Intel platform flags; nil when unknown (any platform is assumed).
    public var platforms: PlatformFlags?
    public var vendor: Vendor
    public var runningRevision: UInt32?
    public var isHost: Bool

    public init(signature: CPUSignature, platforms: PlatformFlags? = nil, vendor: Vendor? = nil,
                runningRevision: UInt32? = nil, isHost: Bool = false) {
        self.signature = signature
        self.platforms = platforms
        self.vendor = vendor ?? Vendor(guessingFrom: signature)
        self.runningRevision = runningRevision
        self.isHost = isHost
    }

    public var description: String {
        var text = "\(signature)"
        if vendor == .intel, let platforms { text += " pf \(platforms)" }
        return text
    }

    /// The CPUs `inspect` and `check` predict for: each distinct CPU of the
    /// host (signature, platform flags, running revision) when `includeHost`,
    /// then each named CPU; a named CPU the host has gets the host's flags
    /// and revision.
    public static func list(host: HostCPUs?, includeHost: Bool, named: [CPUTarget] = []) -> [InspectedCPU] {
        var result: [InspectedCPU] = []
        func add(_ cpu: InspectedCPU) { if !result.contains(cpu) { result.append(cpu) } }
        let groups = host?.groups ?? []
        if includeHost {
            for group in groups {
                guard let vendor = Vendor(rawValue: group.vendorID) else { continue }
                add(InspectedCPU(signature: group.signature, platforms: vendor == .intel ? group.platforms : nil, vendor: vendor,
                                 runningRevision: group.revision, isHost: true))
            }
        }
        for target in named {
            let match = groups.first { group in
                group.signature == target.signature && (target.platforms == nil || group.platforms == nil || group.platforms == target.platforms)
            }
            add(InspectedCPU(signature: target.signature, platforms: target.platforms ?? match?.platforms,
                             vendor: target.vendor ?? match.flatMap { Vendor(rawValue: $0.vendorID) },
                             runningRevision: match?.revision, isHost: match != nil))
        }
        return result
    }
}

public enum RevisionComparison: String, Sendable, Codable {
    case newer, equal, older
}

/// One update or patch a loader would take.
public struct LoadCandidate: Sendable, Equatable {
    public var revision: UInt32
    public var date: MicrocodeDate
    /// Where the update (Intel) or patch section (AMD) starts in the image.
    public var offset: Int
    public var size: Int
}

/// What one loader would do for one CPU with the image.
public struct LoadPrediction: Sendable {
    public var loader: BootLoader
    public var cpu: InspectedCPU
    public var candidate: LoadCandidate?
    /// Why nothing is taken, or how the candidate was found.
    public var reason: String
    public var notes: [String] = []
    /// The loader release predicted for (nil: the generic model).
    public var version: LoaderVersion?
    /// The binary the prediction is for (a kernel or Xen image).
    public var binary: String?
    /// False when the answer depends on something that could not be read
    /// (the binary, its digest list): then `reason` starts "unknown: ".
    public var isKnown = true
    /// The loader finds the candidate but refuses to write it to this CPU
    /// (Xen's minimum revision): why.
    public var refusedAtLoad: String?

    public init(loader: BootLoader, cpu: InspectedCPU, candidate: LoadCandidate?, reason: String, notes: [String] = []) {
        self.loader = loader
        self.cpu = cpu
        self.candidate = candidate
        self.reason = reason
        self.notes = notes
    }

    /// Nothing is taken because the loader's digest list refuses the patch
    /// (not an image problem: the kernel or Xen is older than the microcode).
    public var refusesForItsDigest = false

    /// "Linux 6.12.117", or "Linux" for the generic model.
    public var loaderName: String { version.map { "\(loader.name) \($0)" } ?? loader.name }

    /// The candidate against the CPU's running revision, in the loader's
    /// own order.
    public var comparison: RevisionComparison? {
        guard let candidate, let running = cpu.runningRevision else { return nil }
        return loader.revisionOrder.compare(candidate.revision, running)
    }

    /// Whether the loader writes the candidate to the CPU: Intel loaders
    /// only go forward; AMD's reload the running patch too.
    public var applies: Bool? {
        if refusedAtLoad != nil { return false }
        guard let comparison else { return nil }
        switch comparison {
        case .newer: return true
        case .equal: return cpu.vendor == .amd
        case .older: return false
        }
    }
}
