/// `check`'s image findings: each installed initrd read the way `inspect`
/// reads it, and judged against what a fresh build would hold for this host.
public struct InitrdFindings: ImageInspecting {
    public init() {}

    public func findings(for context: ImageCheckContext) -> [Finding] {
        let cpus = Self.hostCPUs(context.host)
        var findings: [Finding] = []
        for path in context.images {
            findings += Self.findings(for: path, cpus: cpus, context: context)
        }
        return findings
    }

    /// One per distinct CPU of the host, with its running revision.
    static func hostCPUs(_ host: HostCPUs?) -> [InspectedCPU] {
        var cpus: [InspectedCPU] = []
        for cpu in host?.cpus ?? [] {
            guard let vendor = cpu.vendor else { continue }
            let inspected = InspectedCPU(signature: cpu.signature, platforms: vendor == .intel ? cpu.platforms : nil,
                                         vendor: vendor, runningRevision: cpu.revision, isHost: true)
            if !cpus.contains(where: { $0.signature == inspected.signature && $0.platforms == inspected.platforms }) {
                cpus.append(inspected)
            }
        }
        return cpus
    }

    /// The revision a fresh build would give `cpu`: the newest available.
    static func newest(for cpu: InspectedCPU, in selection: Selection) -> UInt32? {
        switch cpu.vendor {
        case .intel:
            return selection.intel.filter { update in
                update.signatures.contains { $0.signature == cpu.signature && (cpu.platforms.map { $0.matches(update.platforms) } ?? true) }
            }.map(\.revision).max()
        case .amd:
            for container in selection.amd {
                if let id = container.equivalenceID(for: cpu.signature),
                   let patch = container.patches.last(where: { $0.processorRevisionID == id }) {
                    return patch.patchID
                }
            }
            return nil
        }
    }

    static func findings(for path: String, cpus: [InspectedCPU], context: ImageCheckContext) -> [Finding] {
        let inspection: ImageInspection
        do {
            inspection = try ImageInspection.inspect(path: path, cpus: cpus)
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
            let available: UInt32? = context.expected.flatMap { selection in Self.newest(for: cpu, in: selection) }
            findings.append(judge(prediction.linux, newest: available, path: path))
            if checksXen {
                findings.append(judge(prediction.xen, newest: available, path: path))
            }
        }
        return findings
    }

    static func judge(_ prediction: LoadPrediction, newest: UInt32?, path: String) -> Finding {
        let who = "\(prediction.loader.name) for \(prediction.cpu)"
        let running = prediction.cpu.runningRevision.map { " (running \(Hex.short($0)))" } ?? ""
        guard let candidate = prediction.candidate else {
            if let newest {
                return Finding(.problem, .images, "\(who): no early microcode (\(prediction.reason)); \(Hex.short(newest)) is available: update-initramfs -u", path: path)
            }
            return Finding(.ok, .images, "\(who): no early microcode, and none is available for this CPU", path: path)
        }
        let loads = "\(who) loads \(Hex.short(candidate.revision))\(running)"
        if let newest, candidate.revision < newest {
            return Finding(.problem, .images, "\(loads): stale, \(Hex.short(newest)) is available: update-initramfs -u", path: path)
        }
        return Finding(.ok, .images, loads + (newest == nil ? "" : ", the newest available"), path: path)
    }
}
