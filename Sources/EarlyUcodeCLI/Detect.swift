import EarlyUcode

struct Detect: RunnableCommand {
    static var info: CommandInfo { CommandInfo(
        name: "detect",
        abstract: "Show this host's CPUs: signature, platform flags, running microcode revision.",
        discussion: "Exits with status 3 when logical CPUs of one signature run different revisions.") }

    static var parameters: Parameters<Self> {
        Parameters(
            .group(\.hostInputs),
            .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."))
    }

    var hostInputs = HostInputOptions()

    var json = false

    func run(in context: CommandContext) throws {
        var mixed = false
        try context.reporting {
            let report = DetectReport(host: try hostInputs.read(in: context))
            if json {
                try context.json(report)
            } else {
                for group in report.cpus { context.out(group.line) }
            }
            for entry in report.mixedRevisions { context.warning(entry.warning) }
            mixed = !report.mixedRevisions.isEmpty
        }
        if mixed { throw ExitStatus(3) }
    }
}
