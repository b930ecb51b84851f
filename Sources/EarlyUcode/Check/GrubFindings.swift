extension ReadinessCheck {
    // MARK: - GRUB

    static func grub(_ inputs: ReadinessInputs, config: EarlyUcodeConfig, earlyFileMode: Bool = false) -> ([Finding], [GrubMenuEntry], GrubDefaults?) {
        var findings: [Finding] = []
        let bootNames = (try? FileIO.entries(of: inputs.bootDirectory)) ?? []
        let xenInstalled = bootNames.contains { $0.hasPrefix("xen-") && $0.hasSuffix(".gz") }
        let wantsScan = config.xen != .no

        // What update-grub will write.
        var defaults: GrubDefaults?
        do {
            defaults = try GrubDefaults.load(file: inputs.grubDefaultsFile, directory: inputs.grubDefaultsDirectory)
        } catch {
            findings.append(problem(.grub, error))
        }
        if let defaults {
            for unreadable in defaults.unreadable {
                findings.append(Finding(.warning, .grub, unreadable.reason, path: unreadable.path, line: unreadable.line))
            }
            let fragmentPath = Path.join(inputs.grubDefaultsDirectory, GrubDefaults.fragmentName)
            if let fragment = defaults.fragment {
                if !wantsScan {
                    findings.append(Finding(.warning, .grub, "present though EARLY_UCODE_XEN=no: run 'early-ucode grub disable'", path: fragment.path))
                } else if GrubFragment.Mode(config.xen) != fragment.mode || !fragment.current {
                    findings.append(Finding(.warning, .grub, "written for EARLY_UCODE_XEN=\(fragment.mode.rawValue) or by another version: run 'early-ucode grub enable'", path: fragment.path))
                }
            } else if wantsScan && xenInstalled && !defaults.normalCommandLine.microcode.isSet {
                findings.append(Finding(.problem, .grub, "missing: update-grub will not add ucode=scan to Xen's entries (run 'early-ucode grub enable', then update-grub)", path: fragmentPath))
            }
            let normal = defaults.normalCommandLine.microcode
            let recovery = defaults.recoveryCommandLine.microcode
            if normal.isSet {
                findings.append(Finding(.ok, .grub, "update-grub gives Xen's normal entries \(normal.options.joined(separator: " "))" + (defaults.xenDefaultSetAt.map { " (from \($0))" } ?? "")))
            } else if xenInstalled && wantsScan && defaults.fragment != nil {
                findings.append(Finding(.problem, .grub, "update-grub gives Xen's normal entries no ucode= option although early-ucode's file is there: a later file resets GRUB_CMDLINE_XEN_DEFAULT" + (defaults.xenDefaultSetAt.map { " (\($0))" } ?? "")))
            }
            if recovery.scan {
                findings.append(Finding(.warning, .grub, "GRUB_CMDLINE_XEN has ucode=scan, so recovery entries load microcode too and none boots around a bad update; put it in GRUB_CMDLINE_XEN_DEFAULT",
                                        path: defaults.xenSetAt.map { String($0.prefix { $0 != ":" }) }))
            }
        }

        // Early-initrd files GRUB 2.04-2.06 would put on the initrd's line.
        let customNames = (defaults?.earlyInitrdCustom ?? "").split(separator: " ").map(String.init)
        let stock = bootNames.filter { (GrubConfig.stockEarlyInitrdNames + customNames).contains($0) }
        if xenInstalled && !stock.isEmpty {
            let singleLine = grubPutsEarlyInitrdsOnOneLine(inputs.grubXenScript)
            for name in stock {
                if earlyFileMode && !singleLine && name == EarlyFile.name {
                    findings.append(Finding(.ok, .grub, "early-ucode's early file: this GRUB (2.12) loads it as a module after dom0's initrd, where ucode=scan finds it", path: Path.join(inputs.bootDirectory, name)))
                    continue
                }
                findings.append(Finding(singleLine ? .problem : .warning, .grub,
                    singleLine
                        ? "\(inputs.grubXenScript) (GRUB 2.04-2.06) puts this file and the real initrd on one module2 line: GRUB loads only this file and dom0 boots with it as its initrd; remove it (early-ucode puts microcode inside the initrd)"
                        : "an early-initrd name GRUB lists before the real initrd; with GRUB 2.04-2.06 dom0 boots with it as its initrd: remove it",
                    path: Path.join(inputs.bootDirectory, name)))
            }
        }

        // What the current grub.cfg does.
        guard FileIO.kind(inputs.grubCfg) != .missing else {
            if xenInstalled { findings.append(Finding(.warning, .grub, "missing, though Xen is installed: run update-grub", path: inputs.grubCfg)) }
            return (findings, [], defaults)
        }
        let cfg: GrubConfig
        do { cfg = try GrubConfig.load(inputs.grubCfg) } catch {
            findings.append(problem(.grub, error))
            return (findings, [], defaults)
        }
        let entries = cfg.xenEntries
        if entries.isEmpty {
            if xenInstalled { findings.append(Finding(.warning, .grub, "no Xen entry, though Xen is installed: run update-grub", path: cfg.path)) }
            return (findings, entries, defaults)
        }
        let rerun = defaults.map { $0.normalCommandLine.microcode.isSet } ?? false
            ? "run update-grub" : "run 'early-ucode grub enable', then update-grub"
        for entry in entries {
            findings += xenEntryFindings(entry, path: cfg.path, wantsScan: wantsScan, fix: rerun)
        }
        return (findings, entries, defaults)
    }

    /// GRUB 2.04-2.06's script joins every initrd into one `module2` line:
    /// it collects them (`initrd_path="${initrd_path} ${rel_dirname}/${i}"`)
    /// and writes `--nounzip   $(echo $initrd_path)` once. 2.12 (Debian 13)
    /// writes that same line once per file, inside the loop, after setting
    /// `initrd_path="${rel_dirname}/${i}"`: that assignment tells it apart.
    static func grubPutsEarlyInitrdsOnOneLine(_ script: String) -> Bool {
        guard let bytes = try? FileIO.read(script, limit: 1 << 20) else { return true }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("initrd_path=\"${rel_dirname}/${i}\"") { return false }
        return text.contains("--nounzip   $(echo $initrd_path)")
    }

    public static func xenEntryFindings(_ entry: GrubMenuEntry, path: String, wantsScan: Bool, fix: String) -> [Finding] {
        var findings: [Finding] = []
        guard let hypervisor = entry.hypervisor, let commandLine = entry.xenCommandLine else { return [] }
        let name = "'\(entry.displayName)'"
        let modules = entry.modules
        let microcode = commandLine.microcode

        for module in modules where module.index > 0 && !module.extraFiles.isEmpty {
            let extra = module.extraFiles.joined(separator: " ")
            let what = module.hasStockEarlyName ? "a microcode file, and dom0 panics without its root file system"
                : "the wrong file"
            findings.append(Finding(.problem, .grub,
                "\(name): one module line names \(module.file) and \(extra): GRUB loads only \(module.file) and passes the rest as its command line, so dom0's initrd is \(what) (GRUB 2.04-2.06's single-line layout; remove the early-initrd file from /boot and run update-grub)",
                path: path, line: module.line))
        }
        for element in microcode.invalid {
            findings.append(Finding(.warning, .grub, "\(name): Xen rejects the ucode= element \(element.debugDescription)", path: path, line: hypervisor.line))
        }

        var scanApplies = microcode.scan
        if let index = microcode.moduleIndex {
            let resolved = index < 0 ? modules.count + index : index
            if index == 0 || resolved <= 0 || resolved >= modules.count {
                let fallback = microcode.scan ? "; Xen falls back to ucode=scan" : ""
                findings.append(Finding(microcode.scan ? .warning : .problem, .grub,
                    "\(name): ucode=\(index) names no module Xen can use (modules 1...\(max(modules.count - 1, 0)); 0 is dom0's kernel)\(fallback)",
                    path: path, line: hypervisor.line))
            } else {
                scanApplies = false
                let module = modules[resolved]
                if module.looksLikeInitrd {
                    findings.append(Finding(.problem, .grub,
                        "\(name): ucode=\(index) makes Xen take module \(resolved) (\(module.file)), dom0's initrd, as a raw microcode blob: Xen before 4.22 needs GenuineIntel.bin/AuthenticAMD.bin bytes there, and the module is no longer dom0's initrd; use ucode=scan",
                        path: path, line: hypervisor.line))
                } else {
                    findings.append(Finding(.ok, .grub,
                        "\(name): ucode=\(index): Xen loads module \(resolved) (\(module.file)) as a raw microcode blob (early-ucode's archive, a cpio, is for ucode=scan)",
                        path: path, line: hypervisor.line))
                }
            }
        }
        if scanApplies {
            if entry.isRecovery {
                findings.append(Finding(.warning, .grub, "\(name): a recovery entry with ucode=scan: no entry boots Xen without early microcode if an update misbehaves", path: path, line: hypervisor.line))
            } else if modules.count < 2 {
                findings.append(Finding(.problem, .grub, "\(name): ucode=scan, but no module after dom0's kernel to scan", path: path, line: hypervisor.line))
            } else if let early = modules.first(where: { $0.index > 1 && $0.baseName == EarlyFile.name }) {
                findings.append(Finding(.ok, .grub, "\(name): ucode=scan: Xen scans the modules after dom0's initrd too and finds the early archive at the start of module \(early.index) (\(early.file)), early-ucode's early file", path: path, line: hypervisor.line))
            } else {
                findings.append(Finding(.ok, .grub, "\(name): ucode=scan: Xen looks for the early archive at the start of module 1 (\(modules[1].file)), dom0's initrd, where early-ucode's hook puts it", path: path, line: hypervisor.line))
            }
        } else if microcode.moduleIndex == nil {
            if entry.isRecovery {
                findings.append(Finding(.ok, .grub, "\(name): recovery entry without ucode=: boots Xen without early microcode, the way around a bad update", path: path, line: hypervisor.line))
            } else if wantsScan {
                findings.append(Finding(.problem, .grub, "\(name): no ucode=scan on Xen's command line: Xen loads no microcode early (\(fix))", path: path, line: hypervisor.line))
            } else {
                findings.append(Finding(.warning, .grub, "\(name): no ucode= on Xen's command line (EARLY_UCODE_XEN=no): Xen loads no microcode early", path: path, line: hypervisor.line))
            }
        }
        return findings
    }
}
