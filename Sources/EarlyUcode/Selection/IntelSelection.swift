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

    /// Newer revision first (`RevisionOrder.selectionIntel`); at equal
    /// revisions the later date, then the first found.
    private static func better(_ a: IntelUpdate, _ b: IntelUpdate) -> Bool {
        if a.revision != b.revision { return RevisionOrder.selectionIntel.isNewer(a.revision, than: b.revision) }
        return a.date > b.date
    }

    mutating func selectIntel(_ updates: [IntelUpdate], _ request: SelectionRequest) {
        intelVerdicts = Array(repeating: .otherCPU, count: updates.count)
        guard request.vendors.contains(.intel) else {
            intelVerdicts = Array(repeating: .otherVendor, count: updates.count)
            return
        }

        // Each update's (signature, platforms), worked out once: it is asked
        // for many times below.
        let signatures = updates.map(\.signatures)

        // Drop repeats: the same header fields twice keep the better one.
        var live: [Int] = []
        var firstWithHeader: [[UInt32]: Int] = [:]
        for (index, update) in updates.enumerated() {
            if let exclusion = request.exclusions.first(where: { ex in
                signatures[index].contains { $0.signature == ex.signature } && (ex.revision.map { $0 == update.revision } ?? true)
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
                for (signature, platforms) in signatures[index] {
                    for platform in platforms.platforms { keys.insert(IntelKey(signature: signature, platform: platform)) }
                }
            }
        case .cpus(let targets):
            for target in targets where target.vendor == nil || target.vendor == .intel {
                let platforms = target.platforms?.platforms ?? (PlatformFlags.anyPlatform.platforms + [PlatformFlags(0)])
                if target.platforms == nil, live.contains(where: { signatures[$0].contains { $0.signature == target.signature } }) {
                    notes.append("platform flags of \(target.signature) are unknown: updates for every platform were selected")
                }
                for platform in platforms { keys.insert(IntelKey(signature: target.signature, platform: platform)) }
            }
        }

        // Index updates by signature so each key only looks at its candidates.
        var bySignature: [CPUSignature: [Int]] = [:]
        for index in live {
            for (signature, _) in signatures[index] where bySignature[signature]?.last != index {
                bySignature[signature, default: []].append(index)
            }
        }
        var wins: [Int: [IntelKey]] = [:]
        var bestLoser: [Int: UInt32] = [:]
        for key in keys.sorted() {
            let candidates = (bySignature[key.signature] ?? []).filter { index in
                signatures[index].contains { $0.signature == key.signature && $0.platforms.matches(key.platform) }
            }
            guard let winner = candidates.reduce(nil as Int?, { best, index in
                guard let best else { return index }
                return Self.better(updates[index], updates[best]) ? index : best
            }) else { continue }
            wins[winner, default: []].append(key)
            for loser in candidates where loser != winner {
                let revision = updates[winner].revision
                if let known = bestLoser[loser], !RevisionOrder.selectionIntel.isNewer(revision, than: known) { continue }
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
