extension Selection {
    mutating func selectAMD(_ containers: [AMDContainer], _ request: SelectionRequest) {
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
            families[entry.family, default: ([], [])].entries.append(entry)
        }
        for (id, users) in servedBy.sorted(by: { $0.key < $1.key }) {
            guard let ref = best[id] else { continue }
            let chosen = patch(ref)
            amdVerdicts[ref.flat] = .selected(for: users.map(\.description))
            families[chosen.family, default: ([], [])].patches.append(chosen)
            if let limit = LoaderLimits.amdPatchSizeLimit(.xen, family: chosen.family), chosen.bytes.count > limit {
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
