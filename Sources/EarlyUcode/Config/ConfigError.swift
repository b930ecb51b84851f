/// What is wrong with `/etc/default/early-ucode` (and the shell-assignment
/// files read like it), or with a setting from the environment.
public enum ConfigError: Sendable, Equatable, CustomStringConvertible {
    case unknownKey(String)
    case setTwice(key: String, firstLine: Int)
    case badScope(String)
    case badCPU(String)
    case badExclusion(String)
    case relativeFirmwareDirectory(String)
    case badXenMode(String)
    /// `SOURCE_DATE_EPOCH`.
    case badSourceDateEpoch(String)

    // The shell subset (ShellAssignments).
    case notUTF8
    case export
    case expectedAssignment(found: String)
    case badVariableName(found: String)
    case unterminatedSingleQuote
    case badBackslash
    case commandSubstitution
    case unterminatedDoubleQuote
    case mustBeQuoted(String)
    case textAfterValue(String)
    case expansionNotAccepted
    case unterminatedBrace
    case expansionNeedsShell

    public var description: String {
        switch self {
        case .unknownKey(let key): "unknown key \(key) (known: \(EarlyUcodeConfig.keys.joined(separator: ", ")))"
        case .setTwice(let key, let first): "\(key) is set twice (first on line \(first))"
        case .badScope(let value): "EARLY_UCODE is \(value.debugDescription), expected auto, all or no"
        case .badCPU(let word): "EARLY_UCODE_CPUS: \(word.debugDescription) is not SIG[,PF] (e.g. 0x50654 or 06-55-04,0x80)"
        case .badExclusion(let word): "EARLY_UCODE_EXCLUDE: \(word.debugDescription) is not SIG[,REV] (e.g. 0x50654 or 0x50654,0x2007006)"
        case .relativeFirmwareDirectory(let word): "EARLY_UCODE_FIRMWARE_DIRS: \(word.debugDescription) is not an absolute path"
        case .badXenMode(let value): "EARLY_UCODE_XEN is \(value.debugDescription), expected auto, yes or no"
        case .badSourceDateEpoch(let text): "\(text.prefix(40).debugDescription) is not a number of seconds"
        case .notUTF8: "line is not valid UTF-8"
        case .export: "'export' is not accepted here: write KEY=value"
        case .expectedAssignment(let found): "expected KEY=value, found \(String(found.prefix(60)).debugDescription)"
        case .badVariableName(let found):
            "expected KEY=value with KEY a shell variable name, found \(String(found.prefix(60)).debugDescription)"
        case .unterminatedSingleQuote: "unterminated single quote"
        case .badBackslash: "backslash in double quotes must escape \", \\, $ or `"
        case .commandSubstitution: "command substitution (`) is not accepted"
        case .unterminatedDoubleQuote: "unterminated double quote (values must fit on one line)"
        case .mustBeQuoted(let character):
            "\(character.debugDescription) must be quoted (only letters, digits and _./,:+@%=- are accepted unquoted)"
        case .textAfterValue(let text):
            "unexpected text after the value: \(String(text.prefix(40)).debugDescription) (a command, or a value that needs quotes?)"
        case .expansionNotAccepted: "'$' expansions are not accepted; write the value itself"
        case .unterminatedBrace: "unterminated ${"
        case .expansionNeedsShell: "only $NAME and ${NAME} expansions can be read without running a shell"
        }
    }
}
