#if canImport(Glibc)
import Glibc
#endif

/// One thing `early-ucode check` found.
public struct Finding: Sendable, Equatable, Encodable {
    public enum Level: String, Sendable, Equatable, Encodable, Comparable {
        case ok, warning, problem

        var rank: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .problem: 2
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    public enum Area: String, Sendable, Equatable, Encodable, CaseIterable {
        case config, cpu, images, initramfs, grub
        case lateLoading = "late-loading"
    }

    public var level: Level
    public var area: Area
    public var message: String
    /// The file the finding is about, when there is one.
    public var path: String?
    public var line: Int?

    public init(_ level: Level, _ area: Area, _ message: String, path: String? = nil, line: Int? = nil) {
        self.level = level
        self.area = area
        self.message = message
        self.path = path
        self.line = line
    }

    /// `problem  grub  /boot/grub/grub.cfg:42: message`
    public var text: String {
        var location = ""
        if let path {
            location = path + (line.map { ":\($0)" } ?? "") + ": "
        }
        return "\(level.rawValue.padding(7)) \(area.rawValue.padding(12)) \(location)\(message)"
    }
}

/// Every input `check` reads, so tests (and fleet tools) can point each one
/// at captured files.
public struct ReadinessInputs: Sendable {
    public var cpuinfo: String
    public var sysfs: String
    /// Nil: read none (defaults).
    public var config: String?
    /// The configuration was named by the user: its absence is an error.
    public var configRequired = false
    /// Microcode sources; nil: the configuration's (or the system's).
    public var firmware: [MicrocodeSource]?
    public var bootDirectory: String
    public var grubCfg: String
    public var grubDefaultsFile: String
    public var grubDefaultsDirectory: String
    /// Debian's GRUB script for Xen entries, to tell whether it puts early
    /// initrds on one `module2` line (2.04-2.06).
    public var grubXenScript: String
    public var hookDirectory: String
    public var packageHookDirectory: String
    /// Where Debian's `intel-microcode` and `amd64-microcode` settings live.
    public var defaultsDirectory: String
    /// The binary the hook runs.
    public var binary: String
    public var taint: String
    /// An `xl dmesg` capture, when one could be had, and where it came from.
    public var xenLog: [UInt8]?
    public var xenLogSource: String?

    /// The system's paths, under `root` (for captured trees and tests).
    public init(root: String = "/") {
        func at(_ path: String) -> String {
            root == "/" || root.isEmpty ? path : (root.hasSuffix("/") ? String(root.dropLast()) : root) + path
        }
        cpuinfo = at(HostCPUs.defaultCPUInfo)
        sysfs = at(HostCPUs.defaultSysfs)
        config = at(EarlyUcodeConfig.defaultPath)
        bootDirectory = at("/boot")
        grubCfg = at("/boot/grub/grub.cfg")
        grubDefaultsFile = at(GrubDefaults.defaultFile)
        grubDefaultsDirectory = at(GrubDefaults.defaultDirectory)
        grubXenScript = at("/etc/grub.d/20_linux_xen")
        hookDirectory = at("/etc/initramfs-tools/hooks")
        packageHookDirectory = at("/usr/share/initramfs-tools/hooks")
        defaultsDirectory = at("/etc/default")
        binary = at("/usr/local/sbin/early-ucode")
        taint = at(LateLoading.defaultTaintPath)
    }
}

/// The answer to "will this host load current microcode early at its next
/// boot": findings, and ready when none is a problem.
public struct ReadinessReport: Sendable, Encodable {
    public var ready: Bool
    public var findings: [Finding]

    public init(findings: [Finding]) {
        self.findings = findings
        ready = !findings.contains { $0.level == .problem }
    }
}

/// Debian's own microcode hooks and the key that turns each off.
public struct DebianMicrocodeHook: Sendable, Equatable {
    public var package: String
    /// In `/usr/share/initramfs-tools/hooks`: these run before any hook in
    /// `/etc/initramfs-tools/hooks` (mkinitramfs runs the two folders one
    /// after the other), so their archive is prepended before ours.
    public var hookName: String
    public var defaultsName: String
    public var key: String
    public var vendor: Vendor

    public static let all = [
        DebianMicrocodeHook(package: "intel-microcode", hookName: "intel_microcode", defaultsName: "intel-microcode",
                            key: "IUCODE_TOOL_INITRAMFS", vendor: .intel),
        DebianMicrocodeHook(package: "amd64-microcode", hookName: "amd64_microcode", defaultsName: "amd64-microcode",
                            key: "AMD64UCODE_INITRAMFS", vendor: .amd),
    ]

    /// Both hooks treat `no` and `0` as off; unset means on (their defaults
    /// are `auto`/`early`).
    public static func disables(_ value: String?) -> Bool {
        value == "no" || value == "0"
    }
}

public enum ReadinessCheck {
    public static func run(_ inputs: ReadinessInputs, images inspector: (any ImageInspecting)?) -> ReadinessReport {
        var findings: [Finding] = []

        // Configuration.
        var config = EarlyUcodeConfig()
        do {
            if let path = inputs.config { config = try EarlyUcodeConfig.load(path, required: inputs.configRequired) }
            if config.path == nil {
                let what = inputs.config == nil ? "no configuration read (--no-config)" : "no configuration file"
                findings.append(Finding(.ok, .config, "\(what): defaults apply (EARLY_UCODE follows initramfs-tools' MODULES, EARLY_UCODE_XEN=auto)", path: inputs.config))
            } else {
                findings.append(Finding(.ok, .config, "read: " + config.summary, path: inputs.config))
            }
            if config.scope == .no {
                findings.append(Finding(.warning, .config, "EARLY_UCODE=no: the initramfs hook adds no microcode to new images", path: inputs.config))
            }
        } catch {
            findings.append(problem(.config, error, hint: "the initramfs hook fails on it and builds images without early-ucode's archive"))
        }

        // CPUs and what the sources hold for them.
        var host: HostCPUs?
        do {
            host = try HostCPUs.read(cpuinfo: inputs.cpuinfo, sysfs: inputs.sysfs)
        } catch {
            findings.append(problem(.cpu, error))
        }
        var plan: BuildJob.Plan?
        let sources = inputs.firmware ?? config.sources
        if let host {
            let request = SelectionRequest(scope: .cpus(host.targets + config.cpus), exclusions: config.exclusions)
            do {
                let loaded = try BuildJob(sources: sources, request: request).plan()
                if loaded.catalog.isEmpty {
                    findings.append(Finding(.problem, .cpu, "no microcode found in \(sources.map(\.path).joined(separator: ", ")): install intel-microcode/amd64-microcode or set EARLY_UCODE_FIRMWARE_DIRS"))
                } else {
                    plan = loaded
                }
            } catch {
                findings.append(problem(.cpu, error, hint: "the hook stops on this file"))
            }
            findings += cpuFindings(host, plan: plan)
        }

        // GRUB (read before the images: the image inspector wants Xen's entries).
        let (grubFindings, xenEntries) = grub(inputs, config: config)

        // Images.
        let images = initrdImages(in: inputs.bootDirectory)
        if images.isEmpty {
            findings.append(Finding(.warning, .images, "no initrd.img-* found", path: inputs.bootDirectory))
        } else if let inspector {
            findings += inspector.findings(for: ImageCheckContext(images: images, host: host, expected: plan?.selection,
                                                                  catalog: plan?.catalog, xenEntries: xenEntries))
        } else {
            for image in images {
                findings.append(Finding(.warning, .images, "skipped: no image inspector given", path: image))
            }
        }

        findings += initramfs(inputs, config: config)
        findings += grubFindings
        findings += lateLoading(inputs)
        return ReadinessReport(findings: findings)
    }

    static func problem(_ area: Finding.Area, _ error: any Error, hint: String? = nil) -> Finding {
        var message: String
        var path: String?
        var line: Int?
        if let input = error as? InputError {
            path = input.path
            line = input.line
            message = input.offset.map { "offset \($0) (\(Hex.offset($0))): " } ?? ""
            message += input.reason
        } else if let file = error as? FileError {
            path = file.path
            message = file.reason
        } else {
            message = "\(error)"
        }
        if let hint { message += "; " + hint }
        return Finding(.problem, area, message, path: path, line: line)
    }

    /// `/boot/initrd.img-*`, sorted; what update-initramfs maintains.
    public static func initrdImages(in boot: String) -> [String] {
        guard let names = try? FileIO.entries(of: boot) else { return [] }
        return names.filter { $0.hasPrefix("initrd.img-") && !$0.hasSuffix(".dpkg-bak") }.map { Path.join(boot, $0) }
    }

    // MARK: - CPUs

    /// The newest revision the sources hold for a CPU, after the
    /// configuration's exclusions: what an up-to-date image loads.
    public static func newestAvailable(for group: CPUGroup, in selection: Selection) -> (revision: UInt32, origin: MicrocodeOrigin)? {
        if group.vendorID == Vendor.intel.rawValue {
            let platforms = group.platforms?.platforms ?? PlatformFlags.anyPlatform.platforms
            let candidates = selection.intel.filter { update in platforms.contains { update.matches(group.signature, $0) } }
            return candidates.max { $0.signedRevision < $1.signedRevision }.map { ($0.revision, $0.origin) }
        }
        if group.vendorID == Vendor.amd.rawValue {
            var best: AMDPatch?
            for container in selection.amd {
                guard let id = container.equivalenceID(for: group.signature) else { continue }
                for patch in container.patches where patch.processorRevisionID == id {
                    if best.map({ patch.patchID > $0.patchID }) ?? true { best = patch }
                }
            }
            return best.map { ($0.patchID, $0.origin) }
        }
        return nil
    }

    static func isOlder(_ running: UInt32, than available: UInt32, vendorID: String) -> Bool {
        // Intel revisions are signed: pre-production ones are negative.
        vendorID == Vendor.intel.rawValue ? Int32(bitPattern: running) < Int32(bitPattern: available) : running < available
    }

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
            guard let newest = newestAvailable(for: group, in: plan.selection) else {
                findings.append(Finding(.ok, .cpu, "\(line): no microcode for this CPU in the sources; it keeps its firmware's revision"))
                continue
            }
            if isOlder(running, than: newest.revision, vendorID: group.vendorID) {
                findings.append(Finding(.warning, .cpu, "\(line): runs \(Hex.short(running)), older than \(Hex.short(newest.revision)) available (\(newest.origin)); the next boot from an up-to-date image loads it"))
            } else if running == newest.revision {
                findings.append(Finding(.ok, .cpu, "\(line): runs the newest revision available"))
            } else {
                findings.append(Finding(.ok, .cpu, "\(line): runs \(Hex.short(running)), newer than the \(Hex.short(newest.revision)) available (from firmware); nothing to load"))
            }
        }
        for mixed in host.mixedRevisions {
            let report = MixedRevisionReport(mixed)
            let parts = report.revisions.map { "\($0.revision ?? "unknown") on \(CPUList.format($0.cpus))" }
            findings.append(Finding(.warning, .cpu, "logical CPUs of \(report.signature) run different revisions (\(parts.joined(separator: ", "))): "
                + "the mismatched state a late load leaves (CPUs updated one by one while running, with features and mitigations decided on the old revision); "
                + "early loading updates each CPU before it runs anything: reboot from an up-to-date image"))
        }
        return findings
    }

    // MARK: - initramfs

    static func initramfs(_ inputs: ReadinessInputs, config: EarlyUcodeConfig) -> [Finding] {
        var findings: [Finding] = []
        let hook = Path.join(inputs.hookDirectory, "early-ucode")
        switch FileIO.resolvedKind(hook) {
        case .regular where access(hook, X_OK) == 0:
            findings.append(Finding(.ok, .initramfs, "early-ucode's hook is installed: update-initramfs adds its archive", path: hook))
            if FileIO.resolvedKind(inputs.binary) != .regular {
                findings.append(Finding(.problem, .initramfs, "the hook runs this binary, which is missing: images get no early-ucode archive (scripts/install)", path: inputs.binary))
            }
        case .regular:
            findings.append(Finding(.problem, .initramfs, "early-ucode's hook is not executable: initramfs-tools skips it", path: hook))
        default:
            findings.append(Finding(.problem, .initramfs, "early-ucode's hook is not installed: update-initramfs adds no early-ucode archive (scripts/install)", path: hook))
        }
        for debian in DebianMicrocodeHook.all {
            let hookPath = Path.join(inputs.packageHookDirectory, debian.hookName)
            guard FileIO.resolvedKind(hookPath) == .regular else { continue }
            let defaults = Path.join(inputs.defaultsDirectory, debian.defaultsName)
            var value: String?
            if FileIO.resolvedKind(defaults) == .regular {
                do {
                    let bytes = try FileIO.read(defaults, limit: 1 << 20)
                    value = try ShellAssignments.parse(bytes, path: defaults, strict: false).value(of: debian.key)
                } catch {
                    findings.append(problem(.initramfs, error))
                    continue
                }
            }
            if DebianMicrocodeHook.disables(value) {
                findings.append(Finding(.ok, .initramfs, "\(debian.package)'s hook is installed and off (\(debian.key)=\(value ?? ""))", path: defaults))
            } else {
                findings.append(Finding(.problem, .initramfs,
                    "\(debian.package)'s hook is on (\(debian.key)=\(value ?? "unset")): it runs before early-ucode's and its \(debian.vendor.rawValue).bin comes first in every image, so Linux and Xen load it and never see early-ucode's (shadowed); set \(debian.key)=no in \(defaults) (scripts/install does)",
                    path: hookPath))
            }
        }
        return findings
    }

    // MARK: - GRUB

    static func grub(_ inputs: ReadinessInputs, config: EarlyUcodeConfig) -> ([Finding], [GrubMenuEntry]) {
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
            return (findings, [])
        }
        let cfg: GrubConfig
        do { cfg = try GrubConfig.load(inputs.grubCfg) } catch {
            findings.append(problem(.grub, error))
            return (findings, [])
        }
        let entries = cfg.xenEntries
        if entries.isEmpty {
            if xenInstalled { findings.append(Finding(.warning, .grub, "no Xen entry, though Xen is installed: run update-grub", path: cfg.path)) }
            return (findings, entries)
        }
        let rerun = defaults.map { $0.normalCommandLine.microcode.isSet } ?? false
            ? "run update-grub" : "run 'early-ucode grub enable', then update-grub"
        for entry in entries {
            findings += xenEntryFindings(entry, path: cfg.path, wantsScan: wantsScan, fix: rerun)
        }
        return (findings, entries)
    }

    /// GRUB 2.04-2.06's script joins every initrd into one `module2` line
    /// (`$(echo $initrd_path)`); 2.12 writes one line per file.
    static func grubPutsEarlyInitrdsOnOneLine(_ script: String) -> Bool {
        guard let bytes = try? FileIO.read(script, limit: 1 << 20) else { return true }
        return String(decoding: bytes, as: UTF8.self).contains("--nounzip   $(echo $initrd_path)")
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
        if let log = inputs.xenLog {
            let lines = LateLoading.xenLateLoadLines(in: log)
            if lines.isEmpty {
                findings.append(Finding(.ok, .lateLoading, "no late load (xen-ucode) in Xen's log", path: inputs.xenLogSource))
            } else {
                findings.append(Finding(.warning, .lateLoading,
                    "Xen's log shows a late load (xen-ucode): \(lines.prefix(3).joined(separator: " | ")); reboot so Xen loads microcode early (ucode=scan)",
                    path: inputs.xenLogSource))
            }
        }
        return findings
    }
}

extension EarlyUcodeConfig {
    /// One line: the settings in effect.
    public var summary: String {
        var parts = ["EARLY_UCODE=\(scope?.rawValue ?? "(unset: follows MODULES)")"]
        if !cpus.isEmpty { parts.append("EARLY_UCODE_CPUS=\(cpus.map(\.description).joined(separator: " "))") }
        if !exclusions.isEmpty { parts.append("EARLY_UCODE_EXCLUDE=\(exclusions.map(\.description).joined(separator: " "))") }
        if !firmwareDirectories.isEmpty { parts.append("EARLY_UCODE_FIRMWARE_DIRS=\(firmwareDirectories.joined(separator: " "))") }
        parts.append("EARLY_UCODE_XEN=\(xen.rawValue)")
        return parts.joined(separator: ", ")
    }
}
