// Commands and how a command line reaches one.

/// What a command is: its name and help, and the commands below it.
struct CommandInfo {
    var name: String
    var abstract: String
    var discussion: String? = nil
    var subcommands: [any Command.Type] = []
}

/// A command or a group of commands (`grub`, the root).
protocol Command {
    static var info: CommandInfo { get }
    /// Nothing for a group.
    static var parameterDescriptions: [ParameterDescription] { get }
    /// Parses what follows the command's name (help and subcommands
    /// already taken out) and runs it.
    static func execute(_ arguments: ArraySlice<String>, path: CommandPath, in context: CommandContext) throws
}

/// A command that does something: its parameters fill in a value of it,
/// which then runs.
protocol RunnableCommand: Command, ParameterGroup {
    func run(in context: CommandContext) throws
}

/// A command that only holds others: run bare, it shows its help.
protocol CommandGroup: Command {}

extension CommandGroup {
    static var parameterDescriptions: [ParameterDescription] { [] }

    static func execute(_ arguments: ArraySlice<String>, path: CommandPath, in context: CommandContext) throws {
        guard let first = arguments.first else {
            context.emit(HelpText(path).text, to: context.standardOutput)
            return
        }
        throw UsageError(path.misuse(first.hasPrefix("-") ? "unknown option '\(first)'" : "unknown command '\(first)'"))
    }
}

extension RunnableCommand {
    static var parameterDescriptions: [ParameterDescription] { parameters.descriptions }

    static func execute(_ arguments: ArraySlice<String>, path: CommandPath, in context: CommandContext) throws {
        try parse(arguments, path: path).run(in: context)
    }

    /// Options (`--name value`, `--name=value`, `-o value`) in any order
    /// among the positional arguments; `--` ends the options; `-` alone is
    /// a value (standard output, for `-o -`). An option's value is the
    /// next argument unless that one starts with `-` (write
    /// `--name=-value` for such a value), so a forgotten value is an error
    /// rather than the next option swallowed.
    static func parse(_ arguments: ArraySlice<String>, path: CommandPath) throws -> Self {
        let parameters = Self.parameters
        let descriptions = parameters.descriptions
        var value = Self()
        var positional: [String] = []
        var index = arguments.startIndex
        var optionsEnded = false
        while index < arguments.endIndex {
            let token = arguments[index]
            index += 1
            if optionsEnded || token == "-" || !token.hasPrefix("-") {
                positional.append(token)
                continue
            }
            if token == "--" {
                optionsEnded = true
                continue
            }
            var inline: String?
            let found: Int?
            if token.hasPrefix("--") {
                var name = token.dropFirst(2)
                if let equals = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: equals)...])
                    name = name[..<equals]
                }
                found = descriptions.firstIndex { $0.long.map { $0[...] == name } ?? false }
            } else {
                let letters = token.dropFirst()
                found = letters.count == 1 ? descriptions.firstIndex { $0.short == letters.first } : nil
            }
            guard let found else { throw UsageError(path.misuse("unknown option '\(token)'")) }
            let description = descriptions[found]
            if description.kind == .flag {
                if inline != nil { throw UsageError(path.misuse("\(description.label) takes no value")) }
                parameters.setters[found](&value, "")
                continue
            }
            let given: String
            if let inline {
                given = inline
            } else if index < arguments.endIndex, arguments[index] == "-" || !arguments[index].hasPrefix("-") {
                given = arguments[index]
                index += 1
            } else {
                throw UsageError(path.misuse("\(token) needs a value (\(description.valueName))"))
            }
            parameters.setters[found](&value, given)
        }
        var next = positional.startIndex
        for (i, description) in descriptions.enumerated() where description.kind.isPositional {
            switch description.kind {
            case .argument:
                guard next < positional.endIndex else { throw UsageError(path.misuse("missing \(description.valueName)")) }
                parameters.setters[i](&value, positional[next])
                next += 1
            case .optionalArgument where next < positional.endIndex:
                parameters.setters[i](&value, positional[next])
                next += 1
            case .repeatedArguments:
                for argument in positional[next...] { parameters.setters[i](&value, argument) }
                next = positional.endIndex
            default:
                break
            }
        }
        if next < positional.endIndex {
            throw UsageError(path.misuse("unexpected argument '\(positional[next])'"))
        }
        do {
            for check in parameters.checks { try check(value) }
            try value.validate()
        } catch let error as UsageError {
            throw UsageError(path.misuse(error.description))
        }
        return value
    }
}

/// The commands from the root to the one named: `early-ucode grub enable`.
struct CommandPath {
    private(set) var commands: [any Command.Type]

    init(_ root: any Command.Type) { commands = [root] }

    var command: any Command.Type { commands[commands.count - 1] }
    var names: [String] { commands.map { $0.info.name } }
    var text: String { names.joined(separator: " ") }

    /// The subcommand `name` of the last command, if it has one.
    func appending(_ name: String) -> CommandPath? {
        guard let next = command.info.subcommands.first(where: { $0.info.name == name }) else { return nil }
        var path = self
        path.commands.append(next)
        return path
    }

    /// This command and every one below it, this one first: what help's
    /// tests, the man pages and the completions walk.
    var descendants: [CommandPath] {
        [self] + command.info.subcommands.flatMap { sub in appending(sub.info.name)?.descendants ?? [] }
    }

    /// One line: what was wrong and where to read more.
    func misuse(_ problem: String) -> String {
        "\(names.dropFirst().joined(separator: " ").isEmpty ? "" : names.dropFirst().joined(separator: " ") + ": ")\(problem) (see '\(text) --help')"
    }
}
