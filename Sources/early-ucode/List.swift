import ArgumentParser
import EarlyUcode

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every update found and whether it would be selected, and why.")

    @OptionGroup var source: SourceOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print the report as one JSON object (see docs/json.md).")
    var json = false

    func run() throws {
        try Console.reporting {
            let job = BuildJob(sources: source.sources, skipInvalid: source.skipInvalid, request: try selection.request(), sourceTrust: source.trust)
            let plan = try job.plan()
            let report = ListReport(catalog: plan.catalog, selection: plan.selection)
            if json {
                try Console.json(report)
                return
            }
            if plan.catalog.isEmpty { throw CLIError(source.nothingFoundMessage()) }
            for update in report.updates { Console.out(update.line) }
            for skipped in report.skippedFiles { Console.out("  skipped \(skipped.file): \(skipped.reason)") }
            for problem in plan.catalog.invalid { Console.warning("skipped invalid file: \(problem)") }
            for note in report.notes { Console.note(note) }
            let chosen = report.updates.filter(\.selected).count
            Console.out("\(report.updates.count) updates found, \(chosen) selected")
        }
    }
}
