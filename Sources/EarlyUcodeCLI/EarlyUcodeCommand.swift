import EarlyUcode

/// The root: `early-ucode COMMAND ...`.
public enum EarlyUcodeCommand: CommandGroup {
    public static let version = "0.1.0"

    static var info: CommandInfo {
        CommandInfo(
            name: "early-ucode",
            abstract: "Build and check the early microcode archive that Linux and Xen load at boot.",
            discussion: """
                Exit status: 0 success, 1 an error (malformed input, nothing written) or (check) a problem, \
                3 (detect) CPUs of one signature run different revisions, 64 usage error.
                """,
            subcommands: [Build.self, List.self, Detect.self, Inspect.self, Rebuild.self, Check.self, Grub.self,
                          EarlyFileCommand.self, EFI.self])
    }

    static var root: CommandPath { CommandPath(EarlyUcodeCommand.self) }

    /// Parses `arguments` (without the program name) and runs the command
    /// against `context`, as the process does: help and version on standard
    /// output with status 0, usage errors on standard error with 64, and a
    /// command's own failures as it reports them. Returns the exit status.
    public static func run(_ arguments: [String], in context: CommandContext) -> Int32 {
        do {
            try dispatch(arguments[...], in: context)
            return 0
        } catch let error as UsageError {
            context.error(error.description)
            return 64
        } catch let error as ExitStatus {
            return error.code
        } catch {
            context.error("\(error)")
            return 1
        }
    }

    private static func dispatch(_ arguments: ArraySlice<String>, in context: CommandContext) throws {
        var rest = arguments
        var path = root
        // What only the root takes, first and alone.
        switch rest.first {
        case "--version" where rest.count == 1:
            context.out(version)
            return
        case "--generate-completion-script":
            guard rest.count == 2, let shell = rest.last, let script = CompletionScript(shell: shell, root: path) else {
                throw UsageError(path.misuse("--generate-completion-script needs one of: \(CompletionScript.shells.joined(separator: ", "))"))
            }
            context.emit(script.text, to: context.standardOutput)
            return
        case "--generate-man-pages":
            try ManPages.generate(Array(rest.dropFirst()), root: path, in: context)
            return
        case "help":
            for name in rest.dropFirst() {
                guard let next = path.appending(name) else { throw UsageError(path.misuse("unknown command '\(name)'")) }
                path = next
            }
            context.emit(HelpText(path).text, to: context.standardOutput)
            return
        default:
            break
        }
        while let first = rest.first, let next = path.appending(first) {
            path = next
            rest = rest.dropFirst()
        }
        if rest.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
            context.emit(HelpText(path).text, to: context.standardOutput)
            return
        }
        try path.command.execute(rest, path: path, in: context)
    }
}
