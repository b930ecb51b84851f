extension ReadinessCheck {
    // MARK: - Late loading

    static func lateLoading(_ inputs: ReadinessInputs) -> [Finding] {
        var findings: [Finding] = []
        if FileIO.kind(inputs.taint) == .missing {
            findings.append(Finding(.ok, .lateLoading, "kernel taint not available", path: inputs.taint))
        } else {
            do {
                let taint = try LateLoading.parseTaint(try FileIO.read(inputs.taint, limit: 4096), path: inputs.taint)
                let state = LateLoading(taint: taint, xenLateLoadLines: nil)
                if state.taintOutOfSpec {
                    findings.append(Finding(.warning, .lateLoading,
                        "the kernel is tainted 'S' (bit \(LateLoading.cpuOutOfSpecBit), TAINT_CPU_OUT_OF_SPEC), which Linux sets when microcode is loaded late through /sys/devices/system/cpu/microcode/reload: CPUs were updated while running; reboot so every CPU loads it early instead",
                        path: inputs.taint))
                } else {
                    findings.append(Finding(.ok, .lateLoading, "no sign of late loading in the kernel taint (\(taint))", path: inputs.taint))
                }
            } catch {
                findings.append(Finding(.warning, .lateLoading, (error as? InputError)?.reason ?? "\(error)", path: inputs.taint))
            }
        }
        let log: (bytes: [UInt8], source: String)?
        do {
            log = try inputs.xenLog.read()
        } catch {
            findings.append(Finding(.problem, .lateLoading, error.description, path: inputs.xenLog.name))
            log = nil
        }
        if let log {
            let lines = LateLoading.xenLateLoadLines(in: log.bytes)
            if lines.isEmpty {
                findings.append(Finding(.ok, .lateLoading, "no late load (xen-ucode) in Xen's log", path: log.source))
            } else {
                findings.append(Finding(.warning, .lateLoading,
                    "Xen's log shows a late load (xen-ucode): \(lines.prefix(3).joined(separator: " | ")); reboot so Xen loads microcode early (ucode=scan)",
                    path: log.source))
            }
        }
        return findings
    }
}
