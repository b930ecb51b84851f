import EarlyUcode

struct Build: RunnableCommand {
    static var info: CommandInfo { CommandInfo(
        name: "build",
        abstract: "Write the early microcode archive (uncompressed newc cpio).",
        discussion: """
            The archive holds kernel/x86/microcode/GenuineIntel.bin and/or AuthenticAMD.bin with \
            the newest update for each selected CPU. It is written through a temporary file, synced \
            and renamed into place. SOURCE_DATE_EPOCH, when set, is every member's mtime; otherwise \
            the newest update's date is. When no microcode applies, no file is written.
            """) }

    static var parameters: Parameters<Self> {
        Parameters(
            .group(\.source),
            .group(\.selection),
            .group(\.settings),
            .option("default-scope", \.defaultScope, value: "auto|all", default: "auto", help: "Which CPUs to build for when neither the command line nor EARLY_UCODE chooses: auto (this host) or all.", discussion: "The initramfs hook passes all when initramfs-tools builds with MODULES=most (images that must boot anywhere)."),
            .option("output", short: "o", \.output, value: "FILE", default: "early-ucode.cpio", help: "Where to write the archive; - for standard output."),
            .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."),
            .flag("verbose", short: "v", \.verbose, help: "List every update written."),
            .group(\.loaders))
    }

    var source = SourceOptions()
    var selection = SelectionOptions()
    var settings = ConfigOptions()

    var defaultScope: String = "auto"

    var output = "early-ucode.cpio"

    var json = false

    var verbose = false

    var loaders = LoaderBinaryOptions()

    func validate() throws {
        if json && output == "-" { throw UsageError("--json needs -o FILE: standard output is the archive") }
        if !["auto", "all"].contains(defaultScope) { throw UsageError("--default-scope \(defaultScope): expected auto or all") }
    }

    func run(in context: CommandContext) throws {
        try context.reporting { try build(in: context) }
    }

    private func build(in context: CommandContext) throws {
        let config = try settings.load(in: context, trust: source.trust)
        guard let request = try selection.request(config: config, defaultScope: defaultScope == "all" ? .all : .auto, in: context) else {
            // Turned off by the administrator: not an error, and the hook relies on exit 0 here.
            if json { try context.json(DisabledReport(disabledBy: config.origin)) }
            context.err("early-ucode: EARLY_UCODE=no in \(config.origin): nothing written")
            return
        }
        let plan = try source.plan(request, config: config, in: context)
        guard let archive = plan.archive else {
            let report = plan.report(output: nil, size: 0)
            if json { try context.json(report) }
            for note in plan.selection.notes { context.note(note) }
            context.err("early-ucode: no microcode applies to the selected CPUs; nothing written")
            return
        }
        var size = 0
        if output == "-" {
            var sink = context.outputSink()
            try archive.write(to: &sink)
            size = archive.size
        } else {
            try AtomicFile.write(to: output) { (sink: inout DescriptorSink) throws -> Void in
                try archive.write(to: &sink)
            }
            size = archive.size
        }
        let report = plan.report(output: output, size: size)
        if json {
            try context.json(report)
        } else {
            let toStdout = output != "-"
            func say(_ line: String) { toStdout ? context.out(line) : context.err(line) }
            say("wrote \(output == "-" ? "standard output" : output): \(size) bytes")
            for member in report.members {
                let count = report.updates.filter { ($0.vendor == "intel") == member.name.hasSuffix("GenuineIntel.bin") }.count
                say("  \(member.name): \(count) update\(count == 1 ? "" : "s"), \(member.size) bytes at offset \(member.dataOffset)")
            }
            if verbose { for update in report.updates { say("    " + update.line) } }
        }
        for note in plan.selection.notes { context.note(note) }
        warnAboutRefusals(plan.selection, in: context)
    }

    /// The Zen patches an installed kernel or Xen will refuse for their
    /// digest (its list predates them): worth knowing before the reboot.
    private func warnAboutRefusals(_ selection: Selection, in context: CommandContext) {
        let zen = selection.amd.flatMap(\.patches).filter { (0x17...0x1a).contains($0.family) }
        guard !zen.isEmpty, !loaders.noLoaders else { return }
        for model in loaders.installed(in: context).models() {
            for (patch, reason) in model.refusedPatches(zen) {
                context.warning("\(model.name) (\(model.binary ?? "?")) will refuse AMD patch \(Hex.short(patch.patchID)): \(reason)")
            }
        }
    }
}

/// `build --json` when the configuration turned microcode off.
struct DisabledReport: Encodable {
    var output: String? = nil
    var size = 0
    /// The configuration file that says EARLY_UCODE=no.
    var disabledBy: String
}
