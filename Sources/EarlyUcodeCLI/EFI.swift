import EarlyUcode

struct EFI: CommandGroup {
    static var info: CommandInfo { CommandInfo(
        name: "efi",
        abstract: "Manage ucode= in xen.efi's configurations on the EFI system partition.",
        discussion: """
            xen.efi (started by the firmware or chainloaded) never sees GRUB's ucode=scan: it loads the file \
            its configuration's ucode= names. 'enable' finds the configurations on the ESP (xen.cfg, or \
            <image>.cfg beside a xen*.efi or BOOT*.EFI that is Xen), writes the microcode for the selected CPUs \
            beside each (a cpio for Xen 4.20.3, 4.21.1, 4.22 and later, else one vendor's raw file), and adds \
            'ucode=FILE # early-ucode' to each section that boots Xen; 'disable' takes exactly that out again.
            """,
        subcommands: [Enable.self, Disable.self, Status.self]) }

    struct Location: ParameterGroup {

        static var parameters: Parameters<Self> {
            Parameters(
                .option("esp", \.esp, value: "DIR", help: "The EFI system partition (default \(XenEFI.defaultESP))."),
                .option("xen-cfg", \.xenCfg, value: "FILE", help: "Only this xen.efi configuration (the Xen images beside it that read it give the version)."))
        }
        var esp: String?

        var xenCfg: String?

        func espPath(in context: CommandContext) -> String { esp ?? context.path(XenEFI.defaultESP) }

        /// The folder whose owner decides whether root writes there: the ESP, or the named configuration's folder.
        func writeRoot(in context: CommandContext) -> String {
            xenCfg.map { Path.split($0).directory } ?? espPath(in: context)
        }

        func cache(in context: CommandContext) -> LoaderBinaryCache {
            LoaderBinaryCache(directory: context.path(LoaderBinaryCache.defaultDirectory))
        }

        /// The configurations to work on, and what was noticed finding them.
        func targets(in context: CommandContext) throws -> (targets: [XenEFI.Target], notes: [String]) {
            if let xenCfg {
                guard FileIO.kind(xenCfg) != .missing else { throw InputError(path: xenCfg, .file(.system(.open, errno: 2))) }
                return ([XenEFI.target(config: xenCfg, cache: cache(in: context))], [])
            }
            let esp = espPath(in: context)
            _ = try XenEFI.kind(of: esp)
            let found = XenEFI.discover(esp: esp, cache: cache(in: context))
            return (found.targets, found.notes)
        }
    }

    struct Safety: ParameterGroup {

        static var parameters: Parameters<Self> {
            Parameters(
                .flag("allow-insecure-esp", \.allowInsecureEsp, help: "Write even into an ESP that is neither a mount point nor a folder only root can write.", discussion: "As root, early-ucode refuses an ESP folder (not a mount point) that is not root's or that others may write, or that sits in such a folder, and such files in it: microcode and ucode= lines a user could change decide what the CPU loads."))
        }
        var allowInsecureEsp = false
    }

    struct Enable: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "enable",
            abstract: "Write the microcode beside each xen.efi configuration and a ucode= line naming it in each section that boots Xen.",
            discussion: "Selects as 'build' selects (the same options and /etc/default/early-ucode). The configuration's old bytes are kept as CONFIG.early-ucode.bak; a second run changes nothing.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.safety),
                .group(\.source),
                .group(\.selection),
                .group(\.settings))
        }

        var location = Location()
        var safety = Safety()
        var source = SourceOptions()
        var selection = SelectionOptions()
        var settings = ConfigOptions()

        func run(in context: CommandContext) throws {
            try context.reporting { try enable(in: context) }
        }

        private func enable(in context: CommandContext) throws {
            var trust = try XenEFI.Trust(esp: location.writeRoot(in: context), allowInsecure: safety.allowInsecureEsp)
            let config = try settings.load(in: context, trust: source.trust)
            if config.xen == .no {
                context.out("unchanged: EARLY_UCODE_XEN=no in \(config.origin): no ucode= for Xen (run 'early-ucode efi disable' to take early-ucode's out)")
                return
            }
            guard let request = try selection.request(config: config, in: context) else {
                context.err("early-ucode: EARLY_UCODE=no in \(config.origin): nothing written")
                return
            }
            let (targets, notes) = try location.targets(in: context)
            for note in notes { context.note(note) }
            guard !targets.isEmpty else {
                context.out("unchanged: no xen.efi configuration on \(location.espPath(in: context)) (xen.cfg, or <image>.cfg beside a Xen image)")
                return
            }
            // Read everything first: a damaged configuration stops the run before anything is written.
            var configs: [XenEFIConfig] = []
            for target in targets {
                try trust.verify(target.config)
                for image in target.images { try trust.verify(image.path) }
                configs.append(try XenEFIConfig.load(target.config))
            }
            let plan = try source.plan(request, config: config, in: context)
            guard !plan.selection.isEmpty else {
                for note in plan.selection.notes { context.note(note) }
                context.err("early-ucode: no microcode applies to the selected CPUs; nothing written")
                return
            }
            let hostVendors = Set(((try? selection.hostInputs.read(in: context))?.groups ?? []).compactMap { Vendor(rawValue: $0.vendorID) })
            for (target, parsed) in zip(targets, configs) {
                if parsed.bootSections.isEmpty {
                    context.warning("\(target.config): no section with kernel= boots Xen; nothing to do")
                    continue
                }
                let result = try XenEFI.enable(target, config: parsed, selection: plan.selection, mtime: plan.mtime,
                                               preferredVendor: hostVendors.count == 1 ? hostVendors.first : nil)
                let what = result.format == .cpio ? "early cpio" : "raw vendor file"
                context.out((result.microcodeWritten ? "wrote " : "unchanged: ") + "\(result.microcode) (\(what), \(result.microcodeSize) bytes) for \(target.xenNames)")
                for change in result.changes { context.out("  " + Self.describe(change, config: target.config)) }
                context.out(result.configWritten ? "wrote \(target.config) (the old one kept as \(target.backupPath))" : "unchanged: \(target.config)")
                for path in result.removed { context.out("removed \(path) (no configuration names it any more)") }
                if let leftOut = result.leftOut { context.warning(leftOut) }
                for note in result.notes { context.note(note) }
            }
            for note in plan.selection.notes { context.note(note) }
        }

        static func describe(_ change: XenEFIConfig.Change, config: String) -> String {
            switch change {
            case .added(let section, let file): "[\(section)]: added ucode=\(file)"
            case .replaced(let section, let old, let file): "[\(section)]: ucode=\(old) replaced by ucode=\(file) (kept as a comment; disable puts it back)"
            case .updated(let section, let old, let file): "[\(section)]: early-ucode's ucode=\(old) now ucode=\(file)"
            case .removed(let section, let file): "[\(section)]: removed ucode=\(file)"
            case .restored(let section, let file, let line): "[\(section)]: removed ucode=\(file), put back \(line)"
            }
        }
    }

    struct Disable: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "disable",
            abstract: "Take early-ucode's ucode= lines out of xen.efi's configurations (putting back what they replaced) and remove its microcode files.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.safety))
        }

        var location = Location()
        var safety = Safety()

        func run(in context: CommandContext) throws {
            try context.reporting {
                var trust = try XenEFI.Trust(esp: location.writeRoot(in: context), allowInsecure: safety.allowInsecureEsp)
                let (targets, notes) = try location.targets(in: context)
                for note in notes { context.note(note) }
                var configs: [XenEFIConfig] = []
                for target in targets {
                    try trust.verify(target.config)
                    configs.append(try XenEFIConfig.load(target.config))
                }
                if targets.isEmpty { context.out("unchanged: no xen.efi configuration on \(location.espPath(in: context))") }
                for (target, parsed) in zip(targets, configs) {
                    let result = try XenEFI.disable(target, config: parsed)
                    for change in result.changes { context.out("  " + Enable.describe(change, config: target.config)) }
                    context.out(result.configWritten ? "wrote \(target.config) (the old one kept as \(target.backupPath))" : "unchanged: \(target.config)")
                    for path in result.removed { context.out("removed \(path)") }
                }
            }
        }
    }

    struct Status: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "status",
            abstract: "Show xen.efi's configurations on the ESP, what each section's ucode= names, and what enable would write.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."))
        }

        var location = Location()

        var json = false

        func run(in context: CommandContext) throws {
            try context.reporting {
                let esp = location.espPath(in: context)
                let kind = try? XenEFI.kind(of: esp)
                let (targets, notes) = try location.targets(in: context)
                // A configuration that does not read is one error line, as every damaged input is.
                for target in targets { _ = try XenEFIConfig.load(target.config) }
                let report = EFIStatusReport(esp: esp, kind: kind, targets: targets, notes: notes)
                if json {
                    try context.json(report)
                } else {
                    for line in report.lines { context.out(line) }
                    for note in notes { context.note(note) }
                }
            }
        }
    }
}
