/// A CPU to build for: from this host, or named by a fleet.
public struct CPUTarget: Hashable, Sendable, CustomStringConvertible {
    public var signature: CPUSignature
    /// Intel platform flags; nil when unknown, which selects updates for
    /// every platform.
    public var platforms: PlatformFlags?
    /// Nil when only the signature is known: it is matched against both
    /// vendors' microcode (their signatures do not collide).
    public var vendor: Vendor?

    public init(signature: CPUSignature, platforms: PlatformFlags? = nil, vendor: Vendor? = nil) {
        self.signature = signature
        self.platforms = platforms
        self.vendor = vendor
    }

    /// `SIG[,PF]`, as `--cpu` takes it.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let signature = CPUSignature(parsing: parts[0]) else { return nil }
        self.signature = signature
        if parts.count == 2 {
            guard let pf = Hex.parseUInt32(parts[1]), pf <= 0xff else { return nil }
            platforms = PlatformFlags(pf)
        }
    }

    public var description: String {
        platforms.map { "\(signature) pf \($0)" } ?? "\(signature)"
    }
}

/// `--exclude SIG[,REV]`: never write microcode for this CPU (or only not
/// this revision of it).
public struct Exclusion: Hashable, Sendable, CustomStringConvertible {
    public var signature: CPUSignature
    public var revision: UInt32?

    public init(signature: CPUSignature, revision: UInt32? = nil) {
        self.signature = signature
        self.revision = revision
    }

    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let signature = CPUSignature(parsing: parts[0]) else { return nil }
        self.signature = signature
        if parts.count == 2 {
            guard let revision = Hex.parseUInt32(parts[1]) else { return nil }
            self.revision = revision
        }
    }

    public var description: String {
        revision.map { "\(signature) rev \(Hex.short($0))" } ?? "\(signature)"
    }
}

public enum SelectionScope: Sendable, Equatable {
    /// Every CPU any source has microcode for.
    case all
    /// These CPUs only.
    case cpus([CPUTarget])
}

public struct SelectionRequest: Sendable {
    public var scope: SelectionScope
    public var vendors: Set<Vendor>
    public var exclusions: [Exclusion]

    public init(scope: SelectionScope, vendors: Set<Vendor> = Set(Vendor.allCases), exclusions: [Exclusion] = []) {
        self.scope = scope
        self.vendors = vendors
        self.exclusions = exclusions
    }
}

/// Why an update or patch was, or was not, chosen.
public enum Verdict: Sendable, Equatable {
    /// Chosen; the CPUs (signature, platform) it is the newest for.
    case selected(for: [String])
    /// A newer revision serves the same CPUs.
    case superseded(by: UInt32)
    /// The same update again (from another file), or the same revision with
    /// other bytes and an older or equal date.
    case duplicate(of: MicrocodeOrigin)
    case excluded(Exclusion)
    /// None of the CPUs built for uses it.
    case otherCPU
    /// `--vendor` left this vendor out.
    case otherVendor

    public var isSelected: Bool {
        if case .selected = self { return true }
        return false
    }

    public var code: String {
        switch self {
        case .selected: "selected"
        case .superseded: "older"
        case .duplicate: "duplicate"
        case .excluded: "excluded"
        case .otherCPU: "other-cpu"
        case .otherVendor: "other-vendor"
        }
    }

    public var explanation: String {
        switch self {
        case .selected(let cpus): "newest for " + cpus.joined(separator: ", ")
        case .superseded(let revision): "older than \(Hex.short(revision))"
        case .duplicate(let origin): "same as \(origin)"
        case .excluded(let exclusion): "excluded (\(exclusion))"
        case .otherCPU: "no CPU built for uses it"
        case .otherVendor: "vendor not selected"
        }
    }
}
