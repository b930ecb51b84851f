// `--help`: the same table the parser reads, as text for a terminal.

/// A command's help: what it does, its usage, its arguments and options
/// (or its subcommands), wrapped to 80 columns.
struct HelpText {
    static let width = 80
    /// Where the descriptions start.
    static let column = 28

    let path: CommandPath

    init(_ path: CommandPath) { self.path = path }

    /// What `-h` and `--help` add to every command.
    static let helpOption = ParameterDescription(long: "help", short: "h", kind: .flag, valueName: "", help: "Show this help.")
    static let versionOption = ParameterDescription(long: "version", kind: .flag, valueName: "", help: "Show the version.")

    var text: String {
        let info = path.command.info
        let parameters = path.command.parameterDescriptions
        var out = ""
        out += Self.wrap("\(path.text): \(info.abstract)", indent: 0) + "\n\n"
        out += Self.wrap("Usage: " + Self.usage(path), indent: 7) + "\n"
        if let discussion = info.discussion {
            out += "\n" + Self.wrap(discussion, indent: 0) + "\n"
        }
        if !info.subcommands.isEmpty {
            out += "\nCommands:\n"
            for sub in info.subcommands {
                out += Self.entry(sub.info.name, sub.info.abstract)
            }
            let helpPath = ([path.names[0], "help"] + path.names.dropFirst()).joined(separator: " ")
            out += "\n" + Self.wrap("See '\(helpPath) COMMAND' or '\(path.text) COMMAND --help' for a command's options.", indent: 0) + "\n"
        }
        let positional = parameters.filter(\.kind.isPositional)
        if !positional.isEmpty {
            out += "\nArguments:\n"
            for parameter in positional { out += Self.entry(parameter) }
        }
        out += "\nOptions:\n"
        for parameter in parameters where !parameter.kind.isPositional { out += Self.entry(parameter) }
        if path.commands.count == 1 { out += Self.entry(Self.versionOption) }
        out += Self.entry(Self.helpOption)
        return out
    }

    /// `early-ucode build [options] [SOURCE ...]`, or `early-ucode grub COMMAND`.
    static func usage(_ path: CommandPath) -> String {
        if !path.command.info.subcommands.isEmpty { return path.text + " COMMAND" }
        let parameters = path.command.parameterDescriptions
        var parts = [path.text]
        if parameters.contains(where: { !$0.kind.isPositional }) { parts.append("[options]") }
        parts += parameters.filter(\.kind.isPositional).map(\.usage)
        return parts.joined(separator: " ")
    }

    private static func entry(_ parameter: ParameterDescription) -> String {
        var help = parameter.help
        if let defaultValue = parameter.defaultValue { help += " (default: \(defaultValue))" }
        var text = entry(parameter.label, help)
        if let discussion = parameter.discussion {
            text += String(repeating: " ", count: column) + wrap(discussion, indent: column, first: column) + "\n"
        }
        return text
    }

    /// `  label   description`, the description wrapped at `column`; a
    /// label too long for its column gets a line of its own.
    private static func entry(_ label: String, _ description: String) -> String {
        let start = "  " + label
        if start.count + 2 <= column {
            return start + String(repeating: " ", count: column - start.count) + wrap(description, indent: column, first: column) + "\n"
        }
        return start + "\n" + String(repeating: " ", count: column) + wrap(description, indent: column, first: column) + "\n"
    }

    /// Words joined into lines of at most `width` columns; lines after the
    /// first start `indent` columns in; the first continues at `first`.
    /// A word longer than a line is left whole.
    static func wrap(_ text: String, indent: Int, first: Int = 0) -> String {
        var out = ""
        var column = first
        var lineHasWord = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if lineHasWord && column + 1 + word.count > width {
                out += "\n" + String(repeating: " ", count: indent)
                column = indent
                lineHasWord = false
            }
            if lineHasWord {
                out += " "
                column += 1
            }
            out += word
            column += word.count
            lineHasWord = true
        }
        return out
    }
}
