/// `--generate-completion-script bash|zsh|fish`: the shells' completions,
/// from the same tables as the help. Each script first finds which command
/// the words so far name (`early-ucode/grub/enable`), then offers that
/// command's subcommands, options and, after an option that takes one, its
/// value: folders for DIR, the listed choices for `auto|all`, files for
/// FILE and IMAGE, nothing for a CPU signature.
struct CompletionScript {
    static let shells = ["bash", "zsh", "fish"]
    let text: String

    init?(shell: String, root: CommandPath) {
        let commands = root.descendants.map { (key: $0.names.joined(separator: "/"), path: $0) }
        switch shell {
        case "bash": text = Self.bash(commands)
        case "zsh": text = Self.zsh(commands)
        case "fish": text = Self.fish(commands)
        default: return nil
        }
    }

    /// The `case` patterns of the walk: every command below the root.
    private static func transitions(_ commands: [(key: String, path: CommandPath)]) -> String {
        commands.dropFirst().map(\.key).joined(separator: "|")
    }

    private static func options(_ path: CommandPath) -> [ParameterDescription] {
        path.command.parameterDescriptions.filter { !$0.kind.isPositional } + [HelpText.helpOption]
            + (path.commands.count == 1 ? [HelpText.versionOption] : [])
    }

    /// In single quotes, for any of the three shells.
    private static func quoted(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    // MARK: bash

    private static func bash(_ commands: [(key: String, path: CommandPath)]) -> String {
        var out = """
            #!/bin/bash
            # bash completion for early-ucode (early-ucode --generate-completion-script bash)
            _early_ucode() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=early-ucode i
                for ((i = 1; i < COMP_CWORD; i++)); do
                    case "$cmd/${COMP_WORDS[i]}" in
                        \(transitions(commands))) cmd="$cmd/${COMP_WORDS[i]}" ;;
                    esac
                done
                COMPREPLY=()
                case "$cmd" in

            """
        for (key, path) in commands {
            let options = options(path)
            out += "        \(key))\n            case \"$prev\" in\n"
            for parameter in options where parameter.kind.takesValue {
                out += "                \(parameter.names.joined(separator: "|"))) \(bashValue(parameter.completion)); return ;;\n"
            }
            out += "            esac\n"
            let words = path.command.info.subcommands.map { $0.info.name } + options.flatMap(\.names)
            let positional = path.command.parameterDescriptions.first { $0.kind.isPositional }
            out += "            if [[ $cur == -* ]] || [[ -z \"$cur\" && -n \(quoted(path.command.info.subcommands.isEmpty ? "" : "commands")) ]]; then\n"
            out += "                COMPREPLY=($(compgen -W \(quoted(words.joined(separator: " "))) -- \"$cur\"))\n"
            if let positional, positional.completion != .none {
                out += "            else\n                \(bashValue(positional.completion))\n"
            } else if !path.command.info.subcommands.isEmpty {
                out += "            else\n                COMPREPLY=($(compgen -W \(quoted(words.joined(separator: " "))) -- \"$cur\"))\n"
            }
            out += "            fi\n            ;;\n"
        }
        out += "    esac\n}\ncomplete -F _early_ucode early-ucode\n"
        return out
    }

    private static func bashValue(_ completion: ValueCompletion) -> String {
        switch completion {
        case .none: return "COMPREPLY=()"
        case .file: return "COMPREPLY=($(compgen -f -- \"$cur\"))"
        case .directory: return "COMPREPLY=($(compgen -d -- \"$cur\"))"
        case .choices(let values): return "COMPREPLY=($(compgen -W \(quoted(values.joined(separator: " "))) -- \"$cur\"))"
        }
    }

    // MARK: zsh

    private static func zsh(_ commands: [(key: String, path: CommandPath)]) -> String {
        var out = """
            #compdef early-ucode
            # zsh completion for early-ucode (early-ucode --generate-completion-script zsh)
            _early_ucode() {
                local cmd=early-ucode depth=0 i
                for ((i = 2; i < CURRENT; i++)); do
                    case "$cmd/${words[i]}" in
                        \(transitions(commands))) cmd="$cmd/${words[i]}"; depth=$((depth + 1)) ;;
                    esac
                done
                # What _arguments sees: the command's own words only.
                words=("${words[1]}" "${(@)words[depth+2,-1]}")
                (( CURRENT -= depth ))
                case "$cmd" in

            """
        for (key, path) in commands {
            var specs: [String] = []
            for parameter in options(path) {
                let help = zshEscaped(parameter.help)
                let value = parameter.kind.takesValue ? ":\(zshEscaped(parameter.valueName)):\(zshAction(parameter.completion))" : ""
                let repeatable = parameter.kind == .repeatedOption ? "*" : ""
                if parameter.short != nil {
                    let group = "(" + parameter.names.joined(separator: " ") + ")"
                    for name in parameter.names { specs.append(group + name + "[\(help)]" + value) }
                } else {
                    specs.append(repeatable + (parameter.long.map { "--" + $0 } ?? "") + "[\(help)]" + value)
                }
            }
            for parameter in path.command.parameterDescriptions where parameter.kind.isPositional {
                let prefix = parameter.kind == .repeatedArguments ? "*" : (parameter.kind == .optionalArgument ? ":" : "")
                specs.append(prefix + ":\(zshEscaped(parameter.valueName)):\(zshAction(parameter.completion))")
            }
            if !path.command.info.subcommands.isEmpty {
                // ((name\:"description" ...)): a description in double quotes may hold spaces.
                let values = path.command.info.subcommands.map { "\($0.info.name)\\:\"\($0.info.abstract.filter { $0 != "\"" })\"" }
                specs.append(":command:((\(values.joined(separator: " "))))")
            }
            out += "        \(key)) _arguments -s \\\n"
            out += specs.map { "            " + quoted($0) }.joined(separator: " \\\n") + " ;;\n"
        }
        out += "    esac\n}\n_early_ucode \"$@\"\n"
        return out
    }

    private static func zshEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if character == "[" || character == "]" || character == ":" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    private static func zshAction(_ completion: ValueCompletion) -> String {
        switch completion {
        case .none: return " "
        case .file: return "_files"
        case .directory: return "_files -/"
        case .choices(let values): return "(\(values.joined(separator: " ")))"
        }
    }

    // MARK: fish

    private static func fish(_ commands: [(key: String, path: CommandPath)]) -> String {
        var out = """
            # fish completion for early-ucode (early-ucode --generate-completion-script fish)
            function __early_ucode_is
                set -l cmd early-ucode
                for word in (commandline -opc)[2..-1]
                    switch "$cmd/$word"
                        case \(commands.dropFirst().map(\.key).joined(separator: " "))
                            set cmd "$cmd/$word"
                    end
                end
                test "$cmd" = $argv[1]
            end
            complete -c early-ucode -f

            """
        for (key, path) in commands {
            let condition = "-n " + quoted("__early_ucode_is \(key)")
            for sub in path.command.info.subcommands {
                out += "complete -c early-ucode \(condition) -a \(sub.info.name) -d \(quoted(sub.info.abstract))\n"
            }
            for parameter in options(path) {
                var line = "complete -c early-ucode \(condition)"
                if let short = parameter.short { line += " -s \(short)" }
                if let long = parameter.long { line += " -l \(long)" }
                if parameter.kind.takesValue {
                    switch parameter.completion {
                    case .none: line += " -x"
                    case .file: line += " -r -F"
                    case .directory: line += " -x -a '(__fish_complete_directories)'"
                    case .choices(let values): line += " -x -a " + quoted(values.joined(separator: " "))
                    }
                }
                out += line + " -d " + quoted(parameter.help) + "\n"
            }
            if let positional = path.command.parameterDescriptions.first(where: \.kind.isPositional), positional.completion == .file {
                out += "complete -c early-ucode \(condition) -F\n"
            }
        }
        return out
    }
}
