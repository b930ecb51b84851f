/// `check`'s image findings: each installed initrd read the way `inspect`
/// reads it, and judged against what a fresh build would hold for this host.
public struct InitrdFindings: ImageInspecting {
    public init() {}

    public func findings(for context: ImageCheckContext) -> [Finding] {
        let cpus = InspectedCPU.list(host: context.host, includeHost: true)
        var findings: [Finding] = []
        for path in context.images {
            findings += Self.findings(for: path, cpus: cpus, context: context)
        }
        return findings
    }

    static func findings(for path: String, cpus: [InspectedCPU], context: ImageCheckContext) -> [Finding] {
        let models = context.models(for: path)
        let inspection: ImageInspection
        do {
            inspection = try ImageInspection.inspect(path: path, cpus: cpus, loaders: models.linux + models.xen)
        } catch {
            return [Finding(.problem, .images, "cannot be inspected: \(error.description): the early loaders may not read it either", path: path)]
        }
        var findings: [Finding] = []
        for member in inspection.members {
            if let problem = member.problem {
                findings.append(Finding(.problem, .images, "malformed microcode: \(problem.description): Linux drops the whole file, Xen stops there; rebuild the image (update-initramfs -u)", path: path))
            }
            if let entry = member.member, !entry.isUsed {
                findings.append(Finding(.warning, .images, "\(entry.member.name) at offset \(entry.member.offset) is shadowed by an earlier one and never loaded (a second hook prepends microcode?)", path: path))
            }
        }
        let checksXen = !context.xenEntries.isEmpty
        for prediction in inspection.predictions {
            let cpu: InspectedCPU = prediction.cpu
            let available = context.expected?.newestAvailable(for: cpu.signature, platforms: cpu.platforms, vendor: cpu.vendor)
            findings += judge(prediction.loaders.filter { $0.loader == .linux }, generic: prediction.linux, newest: available, path: path)
            if checksXen {
                findings += judge(prediction.loaders.filter { $0.loader == .xen }, generic: prediction.xen, newest: available, path: path)
            }
        }
        return findings
    }

    /// Each binary's prediction, judged; a binary that could not be read is a
    /// warning, and the image is then judged with the generic model, so a
    /// stale or missing early part is never hidden behind it. No binary:
    /// the generic model alone.
    static func judge(_ predictions: [LoadPrediction], generic: LoadPrediction, newest: AvailableUpdate?, path: String,
                      area: Finding.Area = .images, fix: String = "update-initramfs -u") -> [Finding] {
        var findings = predictions.map { judge($0, newest: newest, path: path, area: area, fix: fix) }
        if predictions.isEmpty || predictions.contains(where: { !$0.isKnown }) {
            findings.append(judge(generic, newest: newest, path: path, area: area, fix: fix))
        }
        return findings
    }

    /// One loader's prediction against the newest available: missing,
    /// stale (older in the selection's order), or the newest; and, when the
    /// running revision is known, whether the loader applies it, with
    /// `RevisionStanding`'s words where the two orders disagree.
    /// `area` and `fix` (what rebuilds it) are the images' unless an EFI
    /// boot path (a unified kernel image, xen.efi's ucode= file) is judged.
    static func judge(_ prediction: LoadPrediction, newest: AvailableUpdate?, path: String,
                      area: Finding.Area = .images, fix: String = "update-initramfs -u") -> Finding {
        let who = "\(prediction.loaderName)\(prediction.binary.map { " (\(Path.split($0).base))" } ?? "") for \(prediction.cpu)"
        if !prediction.isKnown {
            return Finding(.warning, area, "\(who): \(prediction.reason)", path: path)
        }
        let running = prediction.cpu.runningRevision
        let runningText = running.map { " (running \(Hex.short($0)))" } ?? ""
        guard let candidate = prediction.candidate else {
            if prediction.refusesForItsDigest {
                // Rebuilding the image cannot help: the loader's own list does not have the patch.
                return Finding(.problem, area, "\(who): takes no patch: \(prediction.reason)", path: path)
            }
            if let newest {
                return Finding(.problem, area, "\(who): no early microcode (\(prediction.reason)); \(Hex.short(newest.revision)) is available: \(fix)", path: path)
            }
            return Finding(.ok, area, "\(who): no early microcode, and none is available for this CPU", path: path)
        }
        if let refused = prediction.refusedAtLoad {
            return Finding(.problem, area, "\(who) finds \(Hex.short(candidate.revision)) but does not load it: \(refused)", path: path)
        }
        let loads = "\(who) loads \(Hex.short(candidate.revision))\(runningText)"
        guard let newest else { return Finding(.ok, area, loads, path: path) }
        switch RevisionOrder.selection(newest.vendor).compare(candidate.revision, newest.revision) {
        case .older where prediction.loader.revisionOrder.isNewer(candidate.revision, than: newest.revision):
            // The image holds a pre-production update beside the production one, and the loader's unsigned order prefers it.
            return Finding(.problem, area, "\(loads), a pre-production revision it prefers to the \(Hex.short(newest.revision)) available (\(prediction.loader.name) compares revisions unsigned): rebuild the image without it (\(fix))", path: path)
        case .older:
            return Finding(.problem, area, "\(loads): stale, \(Hex.short(newest.revision)) is available: \(fix)", path: path)
        case .newer:
            // Only a pre-production update ranks below what the loader took (unsigned) and above nothing else.
            return Finding(.ok, area, "\(loads), newer than the \(Hex.short(newest.revision)) available", path: path)
        case .equal:
            break
        }
        if let running, prediction.applies == false {
            let standing = RevisionStanding(running: running, available: newest)
            if standing == .preProductionRunning {
                return Finding(.warning, area, "\(who) takes \(Hex.short(candidate.revision)), the newest available, but does not load it: the running \(Hex.short(running)) is \(standing.explanation(running: running, available: newest))", path: path)
            }
        }
        return Finding(.ok, area, loads + ", the newest available", path: path)
    }
}
