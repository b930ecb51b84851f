/// The outcome: what to write, and a verdict for everything found.
public struct Selection: Sendable {
    /// Intel updates to write, ordered by signature, platforms, revision.
    public var intel: [IntelUpdate] = []
    /// AMD containers to write: one per family.
    public var amd: [AMDContainer] = []
    /// Every Intel update of the catalog, in catalog order, with its verdict.
    public var intelVerdicts: [Verdict] = []
    /// Every AMD patch of the catalog (containers in order, patches in
    /// order), with its verdict.
    public var amdVerdicts: [Verdict] = []
    /// Things the administrator should know (unknown platform flags,
    /// patches Xen will skip, CPUs with no microcode).
    public var notes: [String] = []

    public var isEmpty: Bool { intel.isEmpty && amd.isEmpty }

    /// The newest valid date among what is written: the reproducible mtime.
    public var newestDate: MicrocodeDate? {
        let dates = intel.map(\.date) + amd.flatMap { $0.patches.map(\.date) }
        return dates.filter { $0.secondsSinceEpoch != nil }.max()
    }

    public init() {}

    /// CPUs that get microcode from what is written.
    public internal(set) var served: Set<CPUSignature> = []

    public init(catalog: MicrocodeCatalog, request: SelectionRequest) {
        selectIntel(catalog.intel, request)
        selectAMD(catalog.amd, request)
        if case .cpus(let targets) = request.scope {
            var named: Set<CPUSignature> = []
            for target in targets where !served.contains(target.signature) && named.insert(target.signature).inserted {
                notes.append("no microcode found for \(target.signature) (\(target.signature.familyModelStepping))")
            }
        }
    }
}

// MARK: - The newest update for a CPU

/// An update a build from the sources writes for a CPU.
public struct AvailableUpdate: Sendable, Equatable {
    public var vendor: Vendor
    public var revision: UInt32
    public var origin: MicrocodeOrigin
}

extension Selection {
    /// The one answer to "the newest update available for this CPU", which
    /// `check` (its CPU and image findings) and `inspect` all ask: of what
    /// this selection writes, the update for `signature` (Intel: on any of
    /// `platforms`, every platform when they are unknown) that is newest in
    /// the selection's order (`RevisionOrder.selection`: signed for Intel, so
    /// a pre-production update never counts as newer than a production one).
    public func newestAvailable(for signature: CPUSignature, platforms: PlatformFlags?, vendor: Vendor) -> AvailableUpdate? {
        let order = RevisionOrder.selection(vendor)
        var best: AvailableUpdate?
        func consider(_ revision: UInt32, _ origin: MicrocodeOrigin) {
            if best.map({ order.isNewer(revision, than: $0.revision) }) ?? true {
                best = AvailableUpdate(vendor: vendor, revision: revision, origin: origin)
            }
        }
        switch vendor {
        case .intel:
            for update in intel where update.matches(signature, platforms ?? .anyPlatform) {
                consider(update.revision, update.origin)
            }
        case .amd:
            for container in amd {
                guard let id = container.equivalenceID(for: signature) else { continue }
                for patch in container.patches where patch.processorRevisionID == id {
                    consider(patch.patchID, patch.origin)
                }
            }
        }
        return best
    }
}
