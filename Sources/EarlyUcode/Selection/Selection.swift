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
    public private(set) var served: Set<CPUSignature> = []

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

// MARK: - Intel

extension Selection {
    /// A (signature, single platform) a CPU can be; the unit newest-wins is decided per.
    private struct IntelKey: Hashable, Comparable {
        var signature: CPUSignature
        var platform: PlatformFlags
        static func < (a: IntelKey, b: IntelKey) -> Bool {
            (a.signature.rawValue, a.platform.rawValue) < (b.signature.rawValue, b.platform.rawValue)
        }
        var label: String { "\(signature)/\(platform)" }
    }

    /// Newer revision first; at equal revisions the later date, then the
    /// first found.
    private static func better(_ a: IntelUpdate, _ b: IntelUpdate) -> Bool {
        if a.signedRevision != b.signedRevision { return a.signedRevision > b.signedRevision }
        return a.date > b.date
    }

    private mutating func selectIntel(_ updates: [IntelUpdate], _ request: SelectionRequest) {
        intelVerdicts = Array(repeating: .otherCPU, count: updates.count)
        guard request.vendors.contains(.intel) else {
            intelVerdicts = Array(repeating: .otherVendor, count: updates.count)
            return
        }

        // Drop repeats: the same header fields twice keep the better one.
        var live: [Int] = []
        var firstWithHeader: [[UInt32]: Int] = [:]
        for (index, update) in updates.enumerated() {
            if let exclusion = request.exclusions.first(where: { ex in
                update.signatures.contains { $0.signature == ex.signature } && (ex.revision.map { $0 == update.revision } ?? true)
            }) {
                intelVerdicts[index] = .excluded(exclusion)
                continue
            }
            let identity = [update.signature.rawValue, update.platforms.rawValue, update.revision]
                + update.extendedSignatures.flatMap { [$0.signature.rawValue, $0.platforms.rawValue] }
            if let earlier = firstWithHeader[identity] {
                if Self.better(update, updates[earlier]) {
                    intelVerdicts[earlier] = .duplicate(of: update.origin)
                    firstWithHeader[identity] = index
                    live.removeAll { $0 == earlier }
                    live.append(index)
                } else {
                    intelVerdicts[index] = .duplicate(of: updates[earlier].origin)
                }
                continue
            }
            firstWithHeader[identity] = index
            live.append(index)
        }
        live.sort()

        var keys: Set<IntelKey> = []
        switch request.scope {
        case .all:
            for index in live {
                for (signature, platforms) in updates[index].signatures {
                    for platform in platforms.platforms { keys.insert(IntelKey(signature: signature, platform: platform)) }
                }
            }
        case .cpus(let targets):
            for target in targets where target.vendor == nil || target.vendor == .intel {
                let platforms = target.platforms?.platforms ?? (PlatformFlags.anyPlatform.platforms + [PlatformFlags(0)])
                if target.platforms == nil, live.contains(where: { updates[$0].signatures.contains { $0.signature == target.signature } }) {
                    notes.append("platform flags of \(target.signature) are unknown: updates for every platform were selected")
                }
                for platform in platforms { keys.insert(IntelKey(signature: target.signature, platform: platform)) }
            }
        }

        // Index updates by signature so each key only looks at its candidates.
        var bySignature: [CPUSignature: [Int]] = [:]
        for index in live {
            for (signature, _) in updates[index].signatures where bySignature[signature]?.last != index {
                bySignature[signature, default: []].append(index)
            }
        }
        var wins: [Int: [IntelKey]] = [:]
        var bestLoser: [Int: UInt32] = [:]
        for key in keys.sorted() {
            let candidates = (bySignature[key.signature] ?? []).filter { index in
                updates[index].signatures.contains { $0.signature == key.signature && $0.platforms.matches(key.platform) }
            }
            guard let winner = candidates.reduce(nil as Int?, { best, index in
                guard let best else { return index }
                return Self.better(updates[index], updates[best]) ? index : best
            }) else { continue }
            wins[winner, default: []].append(key)
            for loser in candidates where loser != winner {
                let revision = updates[winner].revision
                if let known = bestLoser[loser], Int32(bitPattern: known) >= Int32(bitPattern: revision) { continue }
                bestLoser[loser] = revision
            }
        }
        for (index, keys) in wins {
            intelVerdicts[index] = .selected(for: keys.sorted().map(\.label))
        }
        for (index, revision) in bestLoser where wins[index] == nil {
            intelVerdicts[index] = .superseded(by: revision)
        }
        intel = wins.keys.map { updates[$0] }.sorted {
            ($0.signature.rawValue, $0.platforms.rawValue, $0.revision) < ($1.signature.rawValue, $1.platforms.rawValue, $1.revision)
        }
        if case .cpus = request.scope {
            for keys in wins.values { served.formUnion(keys.map(\.signature)) }
        }
    }
}

// MARK: - AMD

extension Selection {
    /// The size above which Xen 4.17 refuses a patch of this family
    /// ("Bad microcode length"). Family 0x1a's 15296 bytes are only
    /// accepted from 4.18.5/4.19.2 on; 4.17 caps it at the default 2048.
    public static func xenPatchSizeLimit(family: Int) -> Int {
        switch family {
        case 0x14: 1824
        case 0x15: 4096
        case 0x16: 3458
        case 0x17: 3200
        case 0x19: 5568
        default: 2048
        }
    }

    private mutating func selectAMD(_ containers: [AMDContainer], _ request: SelectionRequest) {
        struct PatchRef {
            var container: Int
            var patch: Int
            var flat: Int
        }
        var refs: [PatchRef] = []
        for (c, container) in containers.enumerated() {
            for p in container.patches.indices { refs.append(PatchRef(container: c, patch: p, flat: refs.count)) }
        }
        func patch(_ ref: PatchRef) -> AMDPatch { containers[ref.container].patches[ref.patch] }

        amdVerdicts = Array(repeating: .otherCPU, count: refs.count)
        guard request.vendors.contains(.amd) else {
            amdVerdicts = Array(repeating: .otherVendor, count: refs.count)
            return
        }

        // Every (CPU -> equivalence id) mapping, from every table.
        var mappings: [CPUSignature: [EquivalenceEntry]] = [:]
        for container in containers {
            for entry in container.equivalenceTable where !(mappings[entry.installedCPU]?.contains(entry) ?? false) {
                mappings[entry.installedCPU, default: []].append(entry)
            }
        }
        func cpus(using id: UInt16) -> [CPUSignature] {
            mappings.filter { $0.value.contains { $0.equivalenceID == id } }.keys.sorted()
        }

        // Newest patch per equivalence id, after exclusions and repeats.
        var best: [UInt16: PatchRef] = [:]
        for ref in refs {
            let candidate = patch(ref)
            let users = cpus(using: candidate.processorRevisionID)
            if let exclusion = request.exclusions.first(where: { ex in
                ex.revision == candidate.patchID && users.contains(ex.signature)
            }) {
                amdVerdicts[ref.flat] = .excluded(exclusion)
                continue
            }
            guard let current = best[candidate.processorRevisionID] else {
                best[candidate.processorRevisionID] = ref
                continue
            }
            let incumbent = patch(current)
            if candidate.patchID > incumbent.patchID {
                best[candidate.processorRevisionID] = ref
                amdVerdicts[current.flat] = incumbent.bytes == candidate.bytes ? .duplicate(of: candidate.origin) : .superseded(by: candidate.patchID)
            } else if candidate.patchID == incumbent.patchID {
                amdVerdicts[ref.flat] = .duplicate(of: incumbent.origin)
            } else {
                amdVerdicts[ref.flat] = .superseded(by: incumbent.patchID)
            }
        }

        // Verdicts given while the winner was still being found name the final winner.
        for ref in refs {
            if case .superseded = amdVerdicts[ref.flat], let winner = best[patch(ref).processorRevisionID] {
                amdVerdicts[ref.flat] = .superseded(by: patch(winner).patchID)
            }
        }

        // Which CPUs to serve, and through which equivalence entry.
        let wholeCPUExclusions = Set(request.exclusions.filter { $0.revision == nil }.map(\.signature))
        var wanted: [CPUSignature] = []
        switch request.scope {
        case .all:
            wanted = mappings.keys.sorted()
        case .cpus(let targets):
            wanted = targets.filter { $0.vendor == nil || $0.vendor == .amd }.map(\.signature)
        }
        var chosenEntries: [EquivalenceEntry] = []
        var servedBy: [UInt16: [CPUSignature]] = [:]
        for cpu in Set(wanted).sorted() {
            if wholeCPUExclusions.contains(cpu) {
                for entry in mappings[cpu] ?? [] {
                    if let ref = best[entry.equivalenceID], case .otherCPU = amdVerdicts[ref.flat] {
                        amdVerdicts[ref.flat] = .excluded(Exclusion(signature: cpu))
                    }
                }
                continue
            }
            // Where tables disagree, take the mapping that leads to the newest patch.
            let options = (mappings[cpu] ?? []).filter { best[$0.equivalenceID] != nil }
            func newest(_ entry: EquivalenceEntry) -> UInt32 { best[entry.equivalenceID].map { patch($0).patchID } ?? 0 }
            guard let entry = options.max(by: { newest($0) < newest($1) }) else { continue }
            served.insert(cpu)
            chosenEntries.append(entry)
            servedBy[entry.equivalenceID, default: []].append(cpu)
        }

        // One container per family, patches in equivalence-id order.
        var families: [Int: (entries: [EquivalenceEntry], patches: [AMDPatch])] = [:]
        for entry in chosenEntries {
            families[0xf + Int(entry.equivalenceID >> 12), default: ([], [])].entries.append(entry)
        }
        for (id, users) in servedBy.sorted(by: { $0.key < $1.key }) {
            guard let ref = best[id] else { continue }
            let chosen = patch(ref)
            amdVerdicts[ref.flat] = .selected(for: users.map(\.description))
            families[chosen.family, default: ([], [])].patches.append(chosen)
            let limit = Self.xenPatchSizeLimit(family: chosen.family)
            if chosen.bytes.count > limit {
                notes.append("AMD patch \(Hex.short(chosen.patchID)) is \(chosen.bytes.count) bytes; Xen 4.17 skips family \(Hex.byte(UInt32(chosen.family))) patches over \(limit)")
            }
        }
        amd = families.keys.sorted().compactMap { family in
            guard let group = families[family], !group.patches.isEmpty else { return nil }
            return AMDContainer(
                equivalenceTable: group.entries.sorted { $0.installedCPU < $1.installedCPU },
                patches: group.patches,
                origin: MicrocodeOrigin(path: "(built)", offset: 0))
        }
    }
}
