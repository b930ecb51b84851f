import EarlyUcode

struct Rebuild: RunnableCommand {
    static var info: CommandInfo { CommandInfo(
        name: "rebuild",
        abstract: "Replace the early microcode of an initrd in place, keeping everything else.",
        discussion: """
            Writes a new early microcode archive (selected as build selects) at the front of IMAGE. \
            Other early archives (ACPI tables, firmware) stay; microcode members in them are removed so \
            nothing is shadowed; everything after the early part (the main archive, and on Debian 13 the \
            uncompressed cpio of compressed modules before it) is copied byte for byte. With --none the early \
            microcode is only removed. IMAGE.tmp is written under a lock (.IMAGE.lock), read back and \
            checked, synced, and renamed over IMAGE; the old image is kept as IMAGE.bak. An image whose \
            front is not understood (truncated cpio, compressed early part, a bare blob) is refused and \
            nothing changes.
            """) }

    static var parameters: Parameters<Self> {
        Parameters(
            .argument("IMAGE", \.image, help: "The initrd to rebuild."),
            .group(\.source),
            .group(\.selection),
            .group(\.settings),
            .flag("none", \.none, help: "Remove the early microcode instead of replacing it (the way back)."),
            .option("output", short: "o", \.output, value: "OUT", help: "Write the rebuilt image here instead of replacing IMAGE."),
            .flag("no-backup", \.noBackup, help: "Do not keep the replaced file as FILE.bak."),
            .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."))
    }

    var image = ""

    var source = SourceOptions()
    var selection = SelectionOptions()
    var settings = ConfigOptions()

    var none = false

    var output: String?

    var noBackup = false

    var json = false

    func validate() throws {
        if none && (selection.all || selection.host || !selection.cpus.isEmpty || selection.vendor != nil || !selection.exclusions.isEmpty
            || !source.firmwareDirs.isEmpty || !source.paths.isEmpty) {
            throw UsageError("--none removes early microcode; it takes no selection or source options")
        }
        if output == "-" { throw UsageError("-o -: rebuild writes a file, not standard output") }
    }

    func run(in context: CommandContext) throws {
        try context.reporting { try rebuild(in: context) }
    }

    private func rebuild(in context: CommandContext) throws {
        var archive: EarlyArchive?
        var plan: BuildJob.Plan?
        if !none {
            // The same settings the initramfs hook builds with, so a rebuilt image matches a regenerated one.
            let config = try settings.load(in: context, trust: source.trust)
            guard let request = try selection.request(config: config, in: context) else {
                throw Problem.image(.disabledByConfiguration(origin: config.origin, image: image))
            }
            let built = try source.plan(request, config: config, in: context)
            guard let made = built.archive else {
                if json { try context.json(RebuildReport(image: image, output: output ?? image, nothingApplies: built)) }
                for note in built.selection.notes { context.note(note) }
                context.err("early-ucode: no microcode applies to the selected CPUs; \(image) left unchanged (--none removes early microcode)")
                return
            }
            archive = made
            plan = built
        }
        let result = try ImageRebuild.run(image: image, archive: archive,
                                          options: ImageRebuild.Options(output: output, keepBackup: !noBackup))
        let report = RebuildReport(image: image, result: result, plan: plan)
        if json {
            try context.json(report)
        } else {
            for line in report.lines { context.out(line) }
        }
        for note in report.notes { context.note(note) }
    }
}
