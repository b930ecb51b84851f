import ArgumentParser
import EarlyUcode
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

struct Grub: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage ucode=scan on Xen's command line (a file in /etc/default/grub.d).",
        discussion: """
            Xen loads microcode early only with ucode=scan (or ucode=N). 'enable' writes \
            \(GrubDefaults.defaultDirectory)/\(GrubDefaults.fragmentName), which update-grub sources: it adds \
            ucode=scan to GRUB_CMDLINE_XEN_DEFAULT, so normal Xen entries get it and recovery entries do not. \
            Run update-grub afterwards.
            """,
        subcommands: [Enable.self, Disable.self, Status.self])

    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("The folder update-grub reads *.cfg files from.", valueName: "DIR"))
        var grubDefaultsDir = GrubDefaults.defaultDirectory

        var fragment: String { Path.join(grubDefaultsDir, GrubDefaults.fragmentName) }

        /// The fragment's text when it exists and is early-ucode's; an error
        /// when something else owns the name.
        func existing() throws -> String? {
            switch FileIO.kind(fragment) {
            case .missing:
                return nil
            case .regular:
                let text = String(decoding: try FileIO.read(fragment, limit: 1 << 20), as: UTF8.self)
                guard text.hasPrefix(GrubFragment.marker + "\n") else {
                    throw CLIError("\(fragment): exists and was not written by early-ucode; leaving it alone")
                }
                return text
            default:
                throw CLIError("\(fragment): exists and is not a regular file; leaving it alone")
            }
        }

        /// Removes early-ucode's fragment and the lock file AtomicFile left beside it.
        func remove() throws {
            guard unlink(fragment) == 0 else { throw CLIError("\(fragment): cannot remove: \(String(cString: strerror(errno)))") }
            _ = unlink(AtomicFile.lockPath(for: fragment))
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the file that adds ucode=scan to Xen's normal entries (honours EARLY_UCODE_XEN).")

        @OptionGroup var location: Location
        @OptionGroup var settings: ConfigOptions

        func run() throws {
            try Console.reporting {
                let config = try settings.load()
                let source = config.origin
                guard let mode = GrubFragment.Mode(config.xen) else {
                    if try location.existing() != nil {
                        try location.remove()
                        Console.out("removed \(location.fragment): EARLY_UCODE_XEN=no in \(source); run update-grub")
                    } else {
                        Console.out("unchanged: EARLY_UCODE_XEN=no in \(source), nothing to write")
                    }
                    return
                }
                let content = GrubFragment.content(mode)
                if try location.existing() == content {
                    Console.out("unchanged: \(location.fragment)")
                    return
                }
                if FileIO.kind(location.grubDefaultsDir) == .missing {
                    guard mkdir(location.grubDefaultsDir, 0o755) == 0 else {
                        throw CLIError("\(location.grubDefaultsDir): cannot create: \(String(cString: strerror(errno)))")
                    }
                }
                try AtomicFile.write(to: location.fragment) { (sink: inout DescriptorSink) throws -> Void in
                    try sink.write(Array(content.utf8)[...])
                }
                Console.out("wrote \(location.fragment) (EARLY_UCODE_XEN=\(mode.rawValue)): normal Xen entries get ucode=scan at the next update-grub")
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove early-ucode's file from the GRUB defaults folder.")

        @OptionGroup var location: Location

        func run() throws {
            try Console.reporting {
                guard try location.existing() != nil else {
                    Console.out("unchanged: no \(location.fragment)")
                    return
                }
                try location.remove()
                Console.out("removed \(location.fragment): run update-grub to take ucode=scan off Xen's entries")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether the file is in place and what update-grub will give Xen.")

        @OptionGroup var location: Location
        @OptionGroup var settings: ConfigOptions

        @Option(help: ArgumentHelp("GRUB's main defaults file.", valueName: "FILE"))
        var grubDefaultsFile = GrubDefaults.defaultFile

        func run() throws {
            try Console.reporting {
                let config = try settings.load()
                let text = try location.existing()
                let defaults = try GrubDefaults.load(file: grubDefaultsFile, directory: location.grubDefaultsDir)
                Console.out("EARLY_UCODE_XEN=\(config.xen.rawValue) (\(config.path ?? "no configuration file: default"))")
                if let text, let found = GrubFragment.recognise(Array(text.utf8), path: location.fragment) {
                    let state = found.current && GrubFragment.Mode(config.xen) == found.mode ? "current" : "outdated: run 'early-ucode grub enable'"
                    Console.out("\(location.fragment): present, mode \(found.mode.rawValue), \(state)")
                } else {
                    Console.out("\(location.fragment): absent")
                }
                Console.out("update-grub gives Xen's normal entries:   \(defaults.normalCommandLine.words.joined(separator: " "))")
                Console.out("update-grub gives Xen's recovery entries: \(defaults.recoveryCommandLine.words.joined(separator: " "))")
                for problem in defaults.unreadable { Console.warning(problem.description) }
            }
        }
    }
}
