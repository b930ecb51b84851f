/// A CPU's running revision against the newest update available for it:
/// the one judgement `check`'s CPU findings and image findings share.
///
/// Two orders meet here. "Newest available" is decided in the selection's
/// order (`RevisionOrder.selection`: Intel's signed one); whether a boot
/// loads it is decided in the loaders' (`RevisionOrder.linux`/`.xen`, both
/// unsigned). They disagree only when one side is an Intel pre-production
/// revision (top bit set), and then the finding says so.
public enum RevisionStanding: Sendable, Equatable {
    /// It runs the newest available.
    case current
    /// The newest available is newer, and the loaders agree: the next boot
    /// from an up-to-date image loads it.
    case behind
    /// It runs something newer than anything available (from firmware).
    case ahead
    /// It runs a pre-production revision: the available update is newer by
    /// Intel's order, but the loaders compare unsigned and never load it.
    case preProductionRunning
    /// Only a pre-production update is available, and the loaders would load
    /// it over the production revision running.
    case preProductionAvailable

    public init(running: UInt32, available: AvailableUpdate) {
        let selection = RevisionOrder.selection(available.vendor).compare(available.revision, running)
        // Linux and Xen order alike (both unsigned), so one loader order decides for both.
        let loaders = RevisionOrder.linux.compare(available.revision, running)
        switch (selection, loaders) {
        case (.equal, _): self = .current
        case (.newer, .newer): self = .behind
        case (.newer, _): self = .preProductionRunning
        case (.older, .newer): self = .preProductionAvailable
        case (.older, _): self = .ahead
        }
    }

    /// Whether `check` counts it against the host.
    public var isWarning: Bool { self != .current && self != .ahead }

    /// The end of a finding's sentence, after "runs RUNNING".
    public func explanation(running: UInt32, available: AvailableUpdate) -> String {
        let have = Hex.short(available.revision)
        return switch self {
        case .current: "the newest revision available"
        case .behind: "older than \(have) available (\(available.origin)); the next boot from an up-to-date image loads it"
        case .ahead: "newer than the \(have) available (from firmware); nothing to load"
        case .preProductionRunning:
            "a pre-production revision; \(have) is available (\(available.origin)), but Linux and Xen compare revisions unsigned and never load it over \(Hex.short(running)): update the firmware (BIOS) instead"
        case .preProductionAvailable:
            "and only the pre-production \(have) is available (\(available.origin)): Linux and Xen compare revisions unsigned and would load it; exclude it (EARLY_UCODE_EXCLUDE) or keep the firmware's revision"
        }
    }
}
