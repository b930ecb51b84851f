import EarlyUcode

struct Grub: CommandGroup {
    static var info: CommandInfo { CommandInfo(
        name: "grub",
        abstract: "Manage ucode=scan on Xen's command line (a file in /etc/default/grub.d).",
        discussion: """
            Xen loads microcode early only with ucode=scan (or ucode=N). 'enable' writes \
            \(GrubDefaults.defaultDirectory)/\(GrubDefaults.fragmentName), which update-grub sources: it adds \
            ucode=scan to GRUB_CMDLINE_XEN_DEFAULT, so normal Xen entries get it and recovery entries do not. \
            Run update-grub afterwards.
            """,
        subcommands: [Enable.self, Disable.self, Status.self]) }

    struct Location: ParameterGroup {

        static var parameters: Parameters<Self> {
            Parameters(
                .option("grub-defaults-dir", \.grubDefaultsDir, value: "DIR", help: "The folder update-grub reads *.cfg files from (default \(GrubDefaults.defaultDirectory))."))
        }
        var grubDefaultsDir: String?

        func file(in context: CommandContext) -> GrubFragmentFile {
            GrubFragmentFile(directory: grubDefaultsDir ?? context.path(GrubDefaults.defaultDirectory))
        }
    }

    struct Enable: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "enable",
            abstract: "Write the file that adds ucode=scan to Xen's normal entries (honours EARLY_UCODE_XEN).") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.settings))
        }

        var location = Location()
        var settings = ConfigOptions()

        func run(in context: CommandContext) throws {
            try context.reporting {
                let config = try settings.load(in: context)
                let file = location.file(in: context)
                switch try file.enable(config.xen) {
                case .removed: context.out("removed \(file.path): EARLY_UCODE_XEN=no in \(config.origin); run update-grub")
                case .notWanted: context.out("unchanged: EARLY_UCODE_XEN=no in \(config.origin), nothing to write")
                case .unchanged: context.out("unchanged: \(file.path)")
                case .written(let mode):
                    context.out("wrote \(file.path) (EARLY_UCODE_XEN=\(mode.rawValue)): normal Xen entries get ucode=scan at the next update-grub")
                }
            }
        }
    }

    struct Disable: RunnableCommand {
        static var info: CommandInfo { CommandInfo(name: "disable", abstract: "Remove early-ucode's file from the GRUB defaults folder.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location))
        }

        var location = Location()

        func run(in context: CommandContext) throws {
            try context.reporting {
                let file = location.file(in: context)
                if try file.disable() == .removed {
                    context.out("removed \(file.path): run update-grub to take ucode=scan off Xen's entries")
                } else {
                    context.out("unchanged: no \(file.path)")
                }
            }
        }
    }

    struct Status: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "status",
            abstract: "Show whether the file is in place and what update-grub will give Xen.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.settings),
                .option("grub-defaults-file", \.grubDefaultsFile, value: "FILE", help: "GRUB's main defaults file (default \(GrubDefaults.defaultFile))."),
                .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."))
        }

        var location = Location()
        var settings = ConfigOptions()

        var grubDefaultsFile: String?

        var json = false

        func run(in context: CommandContext) throws {
            try context.reporting {
                let config = try settings.load(in: context)
                let file = location.file(in: context)
                let text = try file.existing()
                let defaults = try GrubDefaults.load(file: grubDefaultsFile ?? context.path(GrubDefaults.defaultFile), directory: file.directory)
                let report = GrubStatusReport(config: config, fragment: file, fragmentText: text, defaults: defaults)
                if json {
                    try context.json(report)
                } else {
                    for line in report.lines { context.out(line) }
                }
                for problem in defaults.unreadable { context.warning(problem.description) }
            }
        }
    }
}
