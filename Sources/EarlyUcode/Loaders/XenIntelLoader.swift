/// Xen 4.17's Intel loader (xen/arch/x86/cpu/microcode/intel.c,
/// `cpu_request_microcode()`): the highest revision (`RevisionOrder.xen`)
/// whose signature matches and whose platform bits overlap the CPU's
/// (`signature_matches()`: a zero mask never matches); it stops at the
/// first malformed update ("Bad data in container") and keeps what it
/// found before it.
enum XenIntelLoader {
    static func predict(_ cpu: InspectedCPU, _ bytes: ArraySlice<UInt8>, base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .xen, cpu: cpu, candidate: nil, reason: "")
        let cpuPlatforms = (cpu.platforms ?? .anyPlatform).rawValue
        var best: IntelUpdate?
        var offset = bytes.startIndex
        var stopped: String?
        while offset < bytes.endIndex {
            do {
                let update = try IntelUpdate.parse(bytes, at: offset, path: "")
                let fits = update.signatures.contains { $0.signature == cpu.signature && ($0.platforms.rawValue & cpuPlatforms) != 0 }
                if fits, best.map({ RevisionOrder.xen.isNewer(update.revision, than: $0.revision) }) ?? true { best = update }
                offset += update.totalSize
            } catch {
                stopped = "stops at offset \(base + error.offset): \(error.reason)"
                break
            }
        }
        prediction.candidate = best.map {
            LoadCandidate(revision: $0.revision, date: $0.date, offset: base + $0.bytes.startIndex - bytes.startIndex, size: $0.totalSize)
        }
        switch (best, stopped) {
        case (nil, let stop?): prediction.reason = stop
        case (nil, nil): prediction.reason = "no update for this CPU"
        case (_?, let stop?): prediction.reason = "highest matching revision before it " + stop
        case (_?, nil): prediction.reason = "highest matching revision"
        }
        if cpu.platforms == nil { prediction.notes.append("platform flags unknown: any platform assumed") }
        return prediction
    }
}
