import ArgumentParser
import EarlyUcode

struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show this host's CPUs: signature, platform flags, running microcode revision.",
        discussion: "Exits with status 3 when logical CPUs of one signature run different revisions.")

    @Option(help: ArgumentHelp("Read the CPU list from this file.", valueName: "FILE"))
    var cpuinfo: String = HostCPUs.defaultCPUInfo

    @Option(help: ArgumentHelp("Read per-CPU microcode details from this sysfs folder.", valueName: "DIR"))
    var sysfs: String = HostCPUs.defaultSysfs

    @Flag(help: "Print the report as one JSON object (see docs/json.md).")
    var json = false

    func run() throws {
        var mixed = false
        try Console.reporting {
            let report = DetectReport(host: try HostCPUs.read(cpuinfo: cpuinfo, sysfs: sysfs))
            if json {
                try Console.json(report)
            } else {
                for group in report.cpus { Console.out(group.line) }
            }
            for entry in report.mixedRevisions { Console.warning(entry.warning) }
            mixed = !report.mixedRevisions.isEmpty
        }
        if mixed { throw ExitCode(3) }
    }
}
