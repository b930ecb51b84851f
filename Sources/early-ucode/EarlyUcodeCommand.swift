import ArgumentParser
import EarlyUcode

@main
struct EarlyUcodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "early-ucode",
        abstract: "Build and check the early microcode archive that Linux and Xen load at boot.",
        discussion: """
            Exit status: 0 success, 1 an error (malformed input, nothing written) or (check) a problem, \
            3 (detect) CPUs of one signature run different revisions, 64 usage error.
            """,
        version: "0.1.0",
        subcommands: [Build.self, List.self, Detect.self, Inspect.self, Rebuild.self, Check.self, Grub.self]
    )
}
