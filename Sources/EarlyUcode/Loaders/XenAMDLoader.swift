/// Xen 4.17's AMD loader (xen/arch/x86/cpu/microcode/amd.c,
/// `cpu_request_microcode()`): every container's table must end with the
/// all-zero entry; the CPU's equivalence id is taken from the first table
/// naming it (a later table mapping it elsewhere stops the scan); the
/// *highest* matching patch wins (`RevisionOrder.xen`); patches over the
/// family's size limit (`LoaderLimits`) are skipped; a damaged section
/// stops the scan, keeping what was found.
enum XenAMDLoader {
    static func predict(_ cpu: InspectedCPU, _ data: ArraySlice<UInt8>, base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .xen, cpu: cpu, candidate: nil, reason: "no patch for this CPU")
        guard let family = AMDScan.family(of: cpu, for: &prediction) else { return prediction }
        let scan = AMDScan(data)
        let (start, end) = (scan.start, scan.end)
        func at(_ offset: Int) -> Int { base + offset - start }
        var position = start
        var equivalenceID: UInt16?
        var best: LoadCandidate?
        var stopped: String?
        containers: while position < end {
            guard end - position >= 4, scan.u32(position) == AMDContainer.magic else {
                stopped = "stops at offset \(at(position)): not an AMD container (\"Wrong microcode patch file magic\")"
                break
            }
            let table = position + 4
            guard end - table >= 8, scan.u32(table) == 0, let length = scan.u32(table + 4).map(Int.init),
                  end - table - 8 >= length, length >= EquivalenceEntry.size, length % EquivalenceEntry.size == 0,
                  scan.u32(table + 8 + length - EquivalenceEntry.size) == 0
            else {
                stopped = "stops at offset \(at(table)): \"Bad equivalent cpu table\" (Xen 4.17 needs the all-zero last entry)"
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
                    let limit = LoaderLimits.amdPatchSizeLimit(.xen, family: family) ?? Int.max
                    let revisionID = scan.u16(patch + 24) ?? 0
                    if size > limit {
                        if revisionID == equivalenceID {
                            prediction.notes.append("skips the patch at offset \(at(position)): \(size) bytes, over its \(limit)-byte limit for family \(Hex.byte(UInt32(family)))")
                        }
                    } else if revisionID == equivalenceID, let id = scan.u32(patch + 4), let date = scan.u32(patch),
                              best.map({ RevisionOrder.xen.isNewer(id, than: $0.revision) }) ?? true {
                        best = LoadCandidate(revision: id, date: MicrocodeDate(date), offset: at(position), size: size)
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
        if best != nil, (0x17...0x1a).contains(family) {
            prediction.notes.append("Xen 4.17.6 and later load it only if its SHA-256 is in Xen's list (Entrysign fix)")
        }
        return prediction
    }
}
