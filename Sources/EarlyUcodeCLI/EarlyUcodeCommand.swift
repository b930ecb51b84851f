import ArgumentParser
import EarlyUcode

public struct EarlyUcodeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "early-ucode",
        abstract: "Build and check the early microcode archive that Linux and Xen load at boot.",
        discussion: """
            Exit status: 0 success, 1 an error (malformed input, nothing written) or (check) a problem, \
            3 (detect) CPUs of one signature run different revisions, 64 usage error.
            """,
        version: "0.1.0",
        subcommands: [Build.self, List.self, Detect.self, Inspect.self, Rebuild.self, Check.self, Grub.self, EarlyFileCommand.self, EFI.self]
    )

    public init() {}

    /// Parses `arguments` (without the program name) and runs the command
    /// against `context`, as the process does: help and version on standard
    /// output with status 0, usage errors on standard error with 64, and a
    /// command's own failures as it reports them. Returns the exit status.
    public static func run(_ arguments: [String], in context: CommandContext) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if let runnable = command as? any ContextCommand {
                try runnable.run(in: context)
            } else {
                // ArgumentParser's own: `help` (which throws the help to print),
                // the root and `grub` without a subcommand (their help).
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            let text = fullMessage(for: error)
            if !text.isEmpty {
                let stream = code == .success ? context.standardOutput : context.standardError
                var line = text + "\n"
                line.withUTF8 { try? stream.write(UnsafeRawBufferPointer($0)) }
            }
            return code.rawValue
        }
    }
}
