extension ReadinessCheck {
    // MARK: - CPUs

    static func cpuFindings(_ host: HostCPUs, plan: BuildJob.Plan?) -> [Finding] {
        var findings: [Finding] = []
        for group in host.groups {
            let line = CPUGroupReport(group).line
            guard let running = group.revision else {
                findings.append(Finding(.warning, .cpu, "\(line): the running revision is not shown (no 'microcode' in cpuinfo, no sysfs version)"))
                continue
            }
            guard let plan else {
                findings.append(Finding(.ok, .cpu, line))
                continue
            }
            guard let vendor = Vendor(rawValue: group.vendorID),
                  let newest = plan.selection.newestAvailable(for: group.signature, platforms: group.platforms, vendor: vendor)
            else {
                findings.append(Finding(.ok, .cpu, "\(line): no microcode for this CPU in the sources; it keeps its firmware's revision"))
                continue
            }
            let standing = RevisionStanding(running: running, available: newest)
            let runs = standing == .current ? "runs" : "runs \(Hex.short(running)),"
            findings.append(Finding(standing.isWarning ? .warning : .ok, .cpu,
                                    "\(line): \(runs) \(standing.explanation(running: running, available: newest))"))
        }
        for mixed in host.mixedRevisions {
            findings.append(Finding(.warning, .cpu, MixedRevisionReport(mixed).warning))
        }
        return findings
    }
}
