/// Linux 6.1's early AMD loader (arch/x86/kernel/cpu/microcode/amd.c,
/// `scan_containers()`/`scan_container()`): containers in order; the first
/// whose equivalence table names the CPU and that holds a patch for it is
/// used, and in it the *last* matching patch. A damaged section ends that
/// container's scan; families before 0x15 have size caps
/// (`LoaderLimits`).
enum LinuxAMDLoader {
    /// With `.amdZenPatchIDMatch` (Linux 6.13; 6.12.18) a Zen patch matches
    /// by the signature its patch id encodes, and the container's table type
    /// is not checked; with `.amdDigestCheck` (6.14; 6.12.18) the chosen
    /// patch is then refused unless its SHA-256 is listed
    /// (`__apply_microcode_amd()` -> `verify_sha256_digest()`).
    static func predict(_ cpu: InspectedCPU, _ data: ArraySlice<UInt8>, base: Int, model: LoaderModel) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .linux, cpu: cpu, candidate: nil, reason: "no patch for this CPU")
        guard let family = AMDScan.family(of: cpu, for: &prediction) else { return prediction }
        let scan = AMDScan(data)
        let (start, end) = (scan.start, scan.end)
        var position = start
        var containers = 0
        while position < end {
            let zen = model.has(.amdZenPatchIDMatch) && family >= 0x17
            guard end - position > AMDContainer.headerSize, scan.u32(position) == AMDContainer.magic, zen || scan.u32(position + 4) == 0,
                  let length = scan.u32(position + 8).map(Int.init), length >= EquivalenceEntry.size,
                  end - position - AMDContainer.headerSize >= length
            else {
                if containers == 0 { prediction.reason = "no valid AMD container at offset \(base + position - start)" }
                break
            }
            containers += 1
            let table = position + AMDContainer.headerSize
            var equivalenceID: UInt16 = 0
            for entry in stride(from: table, to: table + length - EquivalenceEntry.size + 1, by: EquivalenceEntry.size)
            where scan.u32(entry) == cpu.signature.rawValue {
                equivalenceID = scan.u16(entry + 12) ?? 0
                break
            }
            var section = table + length
            var found: LoadCandidate?
            while section < end {
                guard end - section >= 8, scan.u32(section) == 1, let size = scan.u32(section + 4).map(Int.init),
                      size >= AMDPatch.headerSize, end - section - 8 >= size
                else { break }
                if let cap = LoaderLimits.amdPatchSizeLimit(.linux, family: family), size > cap { break }
                let patch = section + 8
                // nb_dev_id and sb_dev_id must be zero (chipset-specific patches are refused).
                if scan.u32(patch + 16) != 0 || scan.u32(patch + 20) != 0 { break }
                let revisionID = scan.u16(patch + 24) ?? 0
                let id = scan.u32(patch + 4) ?? 0
                let matches = zen ? AMDPatch.signature(encodedIn: id) == cpu.signature : revisionID == equivalenceID
                if EquivalenceEntry.family(ofEquivalenceID: revisionID) == family, matches, let date = scan.u32(patch) {
                    found = LoadCandidate(revision: id, date: MicrocodeDate(date), offset: base + section - start, size: size)
                }
                section = patch + size
            }
            if let found {
                prediction.candidate = found
                prediction.reason = "last matching patch of the first container that has one (container \(containers), offset \(base + position - start))"
                break
            }
            position = section
        }
        if let found = prediction.candidate {
            let patch = found.offset - base + start + 8
            let verdict = model.digestVerdict(cpu: cpu, patchID: found.revision, patch: data[patch..<(patch + found.size)])
            switch verdict {
            case .notChecked where model.version == nil && (0x17...0x1a).contains(family):
                prediction.notes.append("on Zen CPUs newer kernels load only patches whose SHA-256 they know (Entrysign fix)")
            case .notChecked:
                break
            case .listed:
                prediction.notes.append("its SHA-256 is in \(model.name)'s list")
            case .unknown:
                prediction.candidate = nil
                prediction.isKnown = false
                prediction.reason = model.refusal(verdict, patchID: found.revision)
            case .mismatch, .notListed:
                prediction.candidate = nil
                prediction.refusesForItsDigest = true
                prediction.reason = model.refusal(verdict, patchID: found.revision)
            }
        }
        return prediction
    }
}
