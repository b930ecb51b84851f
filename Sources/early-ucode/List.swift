import ArgumentParser
import EarlyUcode

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every update found and whether it would be selected, and why.")

    @OptionGroup var source: SourceOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var settings: ConfigOptions

    @Flag(help: "Print the report as one JSON object (see docs/json.md).")
    var json = false

    func run() throws {
        try Console.reporting {
            let config = try settings.load(trust: source.trust)
            // EARLY_UCODE=no: show everything found, nothing selected, and say why.
            let request = try selection.request(config: config) ?? SelectionRequest(scope: .cpus([]))
            let job = BuildJob(sources: source.sources(config: config), skipInvalid: source.skipInvalid, request: request, sourceTrust: source.trust)
            let plan = try job.plan()
            var report = ListReport(catalog: plan.catalog, selection: plan.selection)
            if !selection.isExplicit && config.scope == .no {
                report.notes.append("EARLY_UCODE=no in \(config.origin): build writes nothing")
            }
            if json {
                try Console.json(report)
                return
            }
            if plan.catalog.isEmpty { throw CLIError(source.nothingFoundMessage(config: config)) }
            for update in report.updates { Console.out(update.line) }
            for skipped in report.skippedFiles { Console.out("  skipped \(skipped.file): \(skipped.reason)") }
            for problem in plan.catalog.invalid { Console.warning("skipped invalid file: \(problem)") }
            for note in report.notes { Console.note(note) }
            let chosen = report.updates.filter(\.selected).count
            Console.out("\(report.updates.count) updates found, \(chosen) selected")
        }
    }
}
