/// Xen 4.17's AMD loader (xen/arch/x86/cpu/microcode/amd.c,
/// `cpu_request_microcode()`): every container's table must end with the
/// all-zero entry; the CPU's equivalence id is taken from the first table
/// naming it (a later table mapping it elsewhere stops the scan); the
/// *highest* matching patch wins (`RevisionOrder.xen`); patches over the
/// family's size limit (`LoaderLimits`) are skipped; a damaged section
/// stops the scan, keeping what was found.
enum XenAMDLoader {
    /// With `.xenTableWithoutTerminator` the table need not end with the
    /// zero entry; with `.xenFamily1AhSize` family 1Ah patches may be 15296
    /// bytes; with `.amdDigestCheck` a patch whose SHA-256 is not listed is
    /// passed over while choosing (`check_digest()` in
    /// `cpu_request_microcode()`), so an older listed one can win; with
    /// `.amdMinimumRevision` the chosen patch is refused at load time on a
    /// CPU running below its minimum revision (`check_min_rev()`).
    static func predict(_ cpu: InspectedCPU, _ data: ArraySlice<UInt8>, base: Int, model: LoaderModel) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .xen, cpu: cpu, candidate: nil, reason: "no patch for this CPU")
        guard let family = AMDScan.family(of: cpu, for: &prediction) else { return prediction }
        let scan = AMDScan(data)
        let (start, end) = (scan.start, scan.end)
        func at(_ offset: Int) -> Int { base + offset - start }
        var position = start
        var equivalenceID: UInt16?
        var best: LoadCandidate?
        var bestVerdict = LoaderModel.DigestVerdict.notChecked
        var bestMinimum: (revisionID: UInt16, field: UInt32)?
        var refused: [(id: UInt32, verdict: LoaderModel.DigestVerdict)] = []
        var stopped: String?
        containers: while position < end {
            guard end - position >= 4, scan.u32(position) == AMDContainer.magic else {
                stopped = "stops at offset \(at(position)): not an AMD container (\"Wrong microcode patch file magic\")"
                break
            }
            let table = position + 4
            guard end - table >= 8, scan.u32(table) == 0, let length = scan.u32(table + 4).map(Int.init),
                  end - table - 8 >= length, length % EquivalenceEntry.size == 0,
                  model.has(.xenTableWithoutTerminator)
                    || (length >= EquivalenceEntry.size && scan.u32(table + 8 + length - EquivalenceEntry.size) == 0)
            else {
                stopped = model.has(.xenTableWithoutTerminator)
                    ? "stops at offset \(at(table)): \"Bad equivalent cpu table\""
                    : "stops at offset \(at(table)): \"Bad equivalent cpu table\" (Xen 4.17 needs the all-zero last entry)"
                break
            }
            var named = false
            var entry = table + 8
            while entry < table + 8 + length, let cpuField = scan.u32(entry), cpuField != 0 {
                if cpuField == cpu.signature.rawValue {
                    let id = scan.u16(entry + 12) ?? 0
                    if let known = equivalenceID, known != id {
                        stopped = "stops at offset \(at(entry)): \"Equiv mismatch\" (an earlier table maps \(cpu.signature) to \(Hex.short(UInt32(known))))"
                        break containers
                    }
                    equivalenceID = id
                    named = true
                    break
                }
                entry += EquivalenceEntry.size
            }
            position = table + 8 + length
            while position < end {
                guard end - position >= 8, scan.u32(position) == 1, let size = scan.u32(position + 4).map(Int.init),
                      end - position - 8 >= size, size >= AMDPatch.headerSize
                else {
                    stopped = "stops at offset \(at(position)): \"Bad microcode data\""
                    break containers
                }
                let patch = position + 8
                if named, let equivalenceID {
                    let limit = LoaderLimits.amdPatchSizeLimit(.xen, family: family, rules: model.rules) ?? Int.max
                    let revisionID = scan.u16(patch + 24) ?? 0
                    if size > limit {
                        if revisionID == equivalenceID {
                            prediction.notes.append("skips the patch at offset \(at(position)): \(size) bytes, over its \(limit)-byte limit for family \(Hex.byte(UInt32(family)))")
                        }
                    } else if revisionID == equivalenceID, let id = scan.u32(patch + 4), let date = scan.u32(patch),
                              best.map({ RevisionOrder.xen.isNewer(id, than: $0.revision) }) ?? true {
                        let verdict = model.digestVerdict(cpu: cpu, patchID: id, patch: data[patch..<(patch + size)])
                        switch verdict {
                        case .mismatch, .notListed, .unknown:
                            refused.append((id, verdict))
                        case .notChecked, .listed:
                            best = LoadCandidate(revision: id, date: MicrocodeDate(date), offset: at(position), size: size)
                            bestVerdict = verdict
                            bestMinimum = scan.u32(patch + 12).map { (revisionID, $0) }
                        }
                    }
                }
                position = patch + size
                if end - position >= 4, scan.u32(position) == AMDContainer.magic { break }
            }
        }
        prediction.candidate = best
        switch (best, stopped) {
        case (nil, let stop?): prediction.reason = stop
        case (nil, nil): prediction.reason = equivalenceID == nil ? "no equivalence table names this CPU" : "no patch for this CPU"
        case (_?, let stop?): prediction.reason = "highest matching patch before it " + stop
        case (_?, nil): prediction.reason = "highest matching patch of all containers"
        }
        // Patches passed over for their digest: newer than what was taken.
        let passedOver = refused.filter { refusal in best.map { RevisionOrder.xen.isNewer(refusal.id, than: $0.revision) } ?? true }
        if best == nil, let first = passedOver.first {
            prediction.reason = model.refusal(first.verdict, patchID: first.id) + " (\"No suitable patch found\")"
            prediction.isKnown = first.verdict.isKnown
            prediction.refusesForItsDigest = first.verdict.isKnown
        }
        for refusal in passedOver.dropFirst(best == nil ? 1 : 0) {
            prediction.notes.append("passes over " + model.refusal(refusal.verdict, patchID: refusal.id))
        }
        if best != nil, bestVerdict == .listed { prediction.notes.append("its SHA-256 is in \(model.name)'s list") }
        if best != nil, model.version == nil, (0x17...0x1a).contains(family) {
            prediction.notes.append("Xen 4.17.6 and later load it only if its SHA-256 is in Xen's list (Entrysign fix)")
        }
        if let best, model.has(.amdMinimumRevision), let minimum = bestMinimum,
           let required = XenAMDLoader.minimumRevision(patchID: best.revision, revisionID: minimum.revisionID, field: minimum.field) {
            if let running = cpu.runningRevision {
                if running < required {
                    prediction.refusedAtLoad = "the CPU runs \(Hex.short(running)), below the patch's minimum revision \(Hex.short(required)) (\"below patch min_rev\"): update the firmware (BIOS) first"
                }
            } else {
                prediction.notes.append("loads only on a CPU already running \(Hex.short(required)) or later (the patch's minimum revision)")
            }
        }
        return prediction
    }

    /// Xen amd.c check_min_rev(): from Zen 3 (processor_rev_id 0xa000) the
    /// patch header's checksum field is a minimum revision when it is
    /// non-zero and differs from the patch id only in the bottom byte.
    static func minimumRevision(patchID: UInt32, revisionID: UInt16, field: UInt32) -> UInt32? {
        guard revisionID >= 0xa000, field != 0, (patchID ^ field) & ~0xff == 0 else { return nil }
        return field
    }
}
