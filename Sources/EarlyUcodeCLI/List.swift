import EarlyUcode

struct List: RunnableCommand {
    static var info: CommandInfo { CommandInfo(
        name: "list",
        abstract: "Show every update found and whether it would be selected, and why.") }

    static var parameters: Parameters<Self> {
        Parameters(
            .group(\.source),
            .group(\.selection),
            .group(\.settings),
            .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."))
    }

    var source = SourceOptions()
    var selection = SelectionOptions()
    var settings = ConfigOptions()

    var json = false

    func run(in context: CommandContext) throws {
        try context.reporting {
            let config = try settings.load(in: context, trust: source.trust)
            // EARLY_UCODE=no: show everything found, nothing selected, and say why.
            let request = try selection.request(config: config, in: context) ?? SelectionRequest(scope: .cpus([]))
            let sources = source.sources(config: config, in: context)
            let job = BuildJob(sources: sources, skipInvalid: source.skipInvalid, request: request, sourceTrust: source.trust)
            let plan = try job.plan()
            var report = ListReport(catalog: plan.catalog, selection: plan.selection)
            if !selection.isExplicit && config.scope == .no {
                report.notes.append("EARLY_UCODE=no in \(config.origin): build writes nothing")
            }
            if json {
                try context.json(report)
                return
            }
            if plan.catalog.isEmpty {
                throw config.nothingFound(in: sources, commandLineNamedSources: !source.commandLineSources.isEmpty)
            }
            for update in report.updates { context.out(update.line) }
            for skipped in report.skippedFiles { context.out("  skipped \(skipped.file): \(skipped.reason)") }
            for problem in plan.catalog.invalid { context.warning("skipped invalid file: \(problem)") }
            for note in report.notes { context.note(note) }
            let chosen = report.updates.filter(\.selected).count
            context.out("\(report.updates.count) updates found, \(chosen) selected")
        }
    }
}
