import Foundation
import Testing
@testable import EarlyUcodeCLI

/// The command line parser (Sources/EarlyUcodeCLI/Arguments): what every
/// command's table declares, how arguments are read, and the help, man
/// pages and completions made from the same tables.
@Suite("Command line")
struct ArgumentsTests {
    static var commands: [CommandPath] { EarlyUcodeCommand.root.descendants }

    /// Two parameters with one name: the parser would only ever find the
    /// first (a group and a command both declaring --cpuinfo, say).
    @Test func everyNameIsDeclaredOnce() {
        for path in Self.commands {
            let names = (path.command.parameterDescriptions + [HelpText.helpOption]).flatMap(\.names)
            #expect(Set(names).count == names.count, "\(path.text): \(names)")
            let subcommands = path.command.info.subcommands.map { $0.info.name }
            #expect(Set(subcommands).count == subcommands.count && !subcommands.contains("help"), "\(path.text)")
        }
    }

    @Test func thereAreAllTheCommands() {
        #expect(Self.commands.map(\.text).count == 20)
        #expect(Self.commands.contains { $0.text == "early-ucode grub enable" })
    }

    /// `--name=value`, `-o -`, `--` and repeated options in order, through a
    /// real command's table.
    @Test func argumentsAreReadAsWritten() throws {
        let build = try Build.parse(["--cpu=0x50654", "-o", "-", "--cpu", "06-55-04,0x80", "--", "--odd-name", "b"],
                                    path: EarlyUcodeCommand.root)
        #expect(build.selection.cpus == ["0x50654", "06-55-04,0x80"])
        #expect(build.output == "-")
        #expect(build.source.paths == ["--odd-name", "b"])
        let defaults = try Build.parse([], path: EarlyUcodeCommand.root)
        #expect(defaults.output == "early-ucode.cpio" && defaults.defaultScope == "auto" && !defaults.json)
        let rebuild = try Rebuild.parse(["--none", "image", "--no-backup"], path: EarlyUcodeCommand.root)
        #expect(rebuild.image == "image" && rebuild.none && rebuild.noBackup)
    }

    @Test(arguments: [
        (["build", "--cpu"], "build: --cpu needs a value (SIG[,PF])"),
        (["build", "--cpu", "--all"], "build: --cpu needs a value (SIG[,PF])"),
        (["build", "--json=yes"], "build: --json takes no value"),
        (["build", "-x"], "build: unknown option '-x'"),
        (["build", "-ov"], "build: unknown option '-ov'"),
        (["rebuild"], "rebuild: missing IMAGE"),
        (["inspect", "a", "b"], "inspect: unexpected argument 'b'"),
        (["detect", "extra"], "detect: unexpected argument 'extra'"),
        (["grub"], nil),
        (["grub", "frobnicate"], "grub: unknown command 'frobnicate'"),
        (["grub", "--frob"], "grub: unknown option '--frob'"),
        (["help", "frobnicate"], "unknown command 'frobnicate'"),
        (["--version", "build"], "unknown option '--version'"),
        (["--generate-completion-script", "tcsh"], "--generate-completion-script needs one of: bash, zsh, fish"),
        (["build", "--vendor", "via"], "build: --vendor via: expected intel or amd"),
        (["build", "--config", "a", "--no-config"], "build: --config and --no-config cannot be combined"),
    ] as [([String], String?)])
    func usageErrors(_ arguments: [String], _ message: String?) {
        let result = InProcess.run(arguments)
        guard let message else {
            #expect(result.status == 0 && result.stdoutText.hasPrefix("early-ucode grub: "), "\(result.stderr)")
            return
        }
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        let see = "'" + (["early-ucode"] + arguments.prefix(arguments.first == "grub" ? 1 : (arguments.first?.hasPrefix("-") == true || arguments.first == "help" ? 0 : 1))).joined(separator: " ") + " --help'"
        #expect(result.stderrLines == ["early-ucode: error: \(message) (see \(see))"], "\(result.stderr)")
    }

    /// Every command's help names every parameter it takes, and `help X`
    /// is the same text as `X --help` (and `-h`).
    @Test func helpShowsEveryParameter() {
        for path in Self.commands {
            let words = Array(path.names.dropFirst())
            let help = InProcess.run(words + ["--help"])
            #expect(help.status == 0 && help.stderr.isEmpty)
            let text = help.stdoutText
            #expect(text.hasPrefix("\(path.text): \(path.command.info.abstract.prefix(20))"))
            #expect(text.contains("Usage: " + HelpText.usage(path)) || text.contains("Usage: " + HelpText.usage(path).prefix(60)))
            for parameter in path.command.parameterDescriptions {
                #expect(text.contains("  " + parameter.label), "\(path.text): \(parameter.label)")
            }
            for sub in path.command.info.subcommands { #expect(text.contains("  " + sub.info.name + " ")) }
            #expect(InProcess.run(["help"] + words).stdout == help.stdout)
            #expect(InProcess.run(words + ["-h"]).stdout == help.stdout)
        }
    }

    @Test func helpLinesFitEightyColumns() {
        for path in Self.commands {
            for line in HelpText(path).text.split(separator: "\n") {
                // A single word longer than the line (a path) may run over.
                #expect(line.count <= HelpText.width || !line.trimmingCharacters(in: .whitespaces).contains(" "), "\(path.text): \(line)")
            }
        }
    }

    @Test func versionIsTheWholeOutput() {
        let result = InProcess.run(["--version"])
        #expect(result.status == 0 && result.stdoutText == EarlyUcodeCommand.version + "\n" && result.stderr.isEmpty)
    }

    @Test(arguments: [(Int64(0), "January 1, 1970"), (951_782_400, "February 29, 2000"), (1_764_633_600, "December 2, 2025"),
                      (1_798_761_599, "December 31, 2026")])
    func manPageDates(_ epoch: Int64, _ date: String) {
        #expect(ManPages.date(epoch) == date)
    }

    /// One page per command, named as man looks them up, each with the
    /// NAME lexgrog reads and every option.
    @Test func manPagesNameEveryCommand() throws {
        let tmp = try TemporaryDirectory()
        let result = InProcess.run(["--generate-man-pages", tmp.path], environment: ["SOURCE_DATE_EPOCH": "1764633600"])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try tmp.contents().sorted()
        #expect(files == Self.commands.map { $0.names.joined(separator: "-") + ".8" }.sorted())
        for path in Self.commands {
            let name = path.names.joined(separator: "-")
            let text = String(decoding: try Fabricate.read(tmp.file(name + ".8")), as: UTF8.self)
            #expect(text.hasPrefix(".Dd December 2, 2025\n.Dt \(name.uppercased()) 8\n"))
            #expect(text.contains(".Sh NAME\n.Nm \(name)\n.Nd "))
            for parameter in path.command.parameterDescriptions {
                #expect(text.contains(parameter.long.map { "Fl -" + $0 } ?? "Ar " + parameter.valueName), "\(name): \(parameter.label)")
            }
            // No line may be taken for a request it is not.
            for line in text.split(separator: "\n") where line.hasPrefix(".") || line.hasPrefix("'") {
                #expect(line.first == "." && line.dropFirst().first?.isLetter == true, "\(name): \(line)")
            }
        }
        let missing = InProcess.run(["--generate-man-pages", tmp.path])
        #expect(missing.status == 64)
    }

    /// bash's completion, run as bash runs it: the words so far in
    /// COMP_WORDS, what it offers in COMPREPLY.
    @Test(arguments: [
        (["early-ucode", "gr"], "grub"),
        (["early-ucode", "grub", "en"], "enable"),
        (["early-ucode", "build", "--default-scope", ""], "auto all"),
        (["early-ucode", "build", "--vendor", "a"], "amd"),
        (["early-ucode", "grub", "enable", "--c"], "--config"),
        (["early-ucode", "build", "--cpu", ""], ""),
        (["early-ucode", "build", "--firmware-dir", ""], "folder"),
        (["early-ucode", "inspect", "fi"], "file"),
        (["early-ucode", "efi", "status", "--j"], "--json"),
    ])
    func bashCompletes(_ words: [String], _ expected: String) throws {
        let tmp = try TemporaryDirectory()
        guard let script = CompletionScript(shell: "bash", root: EarlyUcodeCommand.root) else { Issue.record("no bash script"); return }
        try Fabricate.write(script.text, to: tmp.file("completion"))
        try FileManager.default.createDirectory(atPath: tmp.file("folder"), withIntermediateDirectories: false)
        try Fabricate.write("", to: tmp.file("file"))
        let quotedWords = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let test = "cd '\(tmp.path)' && source ./completion && COMP_WORDS=(\(quotedWords)) && COMP_CWORD=\(words.count - 1) && _early_ucode && echo \"${COMPREPLY[*]}\""
        let result = try ChildProcess("/bin/bash", ["-c", test]).wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText == expected + "\n", "\(words)")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameEveryOption(_ shell: String) throws {
        let result = InProcess.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        for path in Self.commands {
            for parameter in path.command.parameterDescriptions {
                if let long = parameter.long { #expect(result.stdoutText.contains(shell == "fish" ? "-l " + long : "--" + long)) }
            }
        }
        if shell == "bash" {
            let tmp = try TemporaryDirectory()
            try Fabricate.write(result.stdoutText, to: tmp.file("completion"))
            #expect(try ChildProcess("/bin/bash", ["-n", tmp.file("completion")]).wait().status == 0)
        }
    }
}
