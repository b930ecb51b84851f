/// Linux 6.1's early Intel loader (arch/x86/kernel/cpu/microcode/intel.c,
/// `scan_microcode()`): it walks GenuineIntel.bin update by update and keeps
/// the highest matching revision (`RevisionOrder.linux`), wherever it is;
/// one malformed update, or a tail too short for a header, and the whole
/// file is dropped (`if (size) return NULL`). Platform flags match when
/// they overlap or are both zero (`intel_cpu_signatures_match()`).
enum LinuxIntelLoader {
    static func predict(_ cpu: InspectedCPU, _ bytes: ArraySlice<UInt8>, base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .linux, cpu: cpu, candidate: nil, reason: "")
        let cpuPlatforms = cpu.platforms ?? .anyPlatform
        var best: IntelUpdate?
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            do {
                let update = try IntelUpdate.parse(bytes, at: offset, path: "")
                if update.matches(cpu.signature, cpuPlatforms),
                   best.map({ RevisionOrder.linux.isNewer(update.revision, than: $0.revision) }) ?? true {
                    best = update
                }
                offset += update.totalSize
            } catch {
                prediction.reason = "rejects the whole file: offset \(base + error.offset): \(error.reason)"
                return prediction
            }
        }
        prediction.candidate = best.map {
            LoadCandidate(revision: $0.revision, date: $0.date, offset: base + $0.bytes.startIndex - bytes.startIndex, size: $0.totalSize)
        }
        prediction.reason = best == nil ? "no update for this CPU" : "highest matching revision"
        if cpu.platforms == nil { prediction.notes.append("platform flags unknown: any platform assumed") }
        return prediction
    }
}
