// The command line's vocabulary: what a command takes (its parameters) and
// what it is (its name, help and subcommands). One table per command says
// both how an argument is parsed and how help, man pages and completions
// describe it. This replaces swift-argument-parser, whose reflection-based
// parsing (Mirror, generic metadata, conformance scans) and the Foundation
// it links were two thirds of start-up (issue 14; callgrind: 6.1M of
// `--version`'s 9.3M instructions were its parseAsRoot).

/// How a parameter takes its value.
enum ParameterKind: Equatable, Sendable {
    /// `--json`: present or not.
    case flag
    /// `--output FILE`: the last one given counts.
    case option
    /// `--cpu SIG`, any number of times, in order.
    case repeatedOption
    /// `IMAGE`: exactly one.
    case argument
    /// `[IMAGE]`: zero or one.
    case optionalArgument
    /// `[SOURCE ...]`: any number.
    case repeatedArguments

    var isPositional: Bool { self == .argument || self == .optionalArgument || self == .repeatedArguments }
    var takesValue: Bool { self == .option || self == .repeatedOption }
}

/// What a shell offers for a parameter's value.
enum ValueCompletion: Equatable, Sendable {
    case none
    case file
    case directory
    /// The only values that are accepted: `auto|all`.
    case choices([String])

    /// From the value's name, as the help writes it: DIR is a folder, a
    /// name with `|` a list of choices, anything else naming a file
    /// (FILE, IMAGE, SOURCE, OUT) a file. A CPU signature offers nothing.
    init(valueName: String) {
        if valueName == "DIR" {
            self = .directory
        } else if valueName.contains("|") {
            self = .choices(valueName.split(separator: "|").map(String.init))
        } else if ["FILE", "IMAGE", "SOURCE", "OUT", "PATH"].contains(valueName) {
            self = .file
        } else {
            self = .none
        }
    }
}

/// One parameter as help, man pages and completions show it.
struct ParameterDescription: Sendable {
    /// Without the dashes: `firmware-dir`. Nil for positional arguments.
    var long: String?
    var short: Character?
    var kind: ParameterKind
    /// `DIR`, `SIG[,PF]`; for a positional argument, its name.
    var valueName: String
    /// One sentence, shown beside the name.
    var help: String
    /// More, shown below it.
    var discussion: String?
    /// An option's default when it is not given, as help shows it.
    var defaultValue: String?

    var completion: ValueCompletion { ValueCompletion(valueName: valueName) }

    /// `-o`, `--output`: what the command line may spell it as.
    var names: [String] {
        (short.map { ["-\($0)"] } ?? []) + (long.map { ["--" + $0] } ?? [])
    }

    /// `-o, --output FILE`, `--json`, `SOURCE ...`.
    var label: String {
        if kind.isPositional { return kind == .repeatedArguments ? valueName + " ..." : valueName }
        let joined = names.joined(separator: ", ")
        return kind.takesValue ? joined + " " + valueName : joined
    }

    /// How the usage line shows it: `[--cpu SIG[,PF] ...]`, `IMAGE`.
    var usage: String {
        switch kind {
        case .flag: return "[--\(long ?? "")]"
        case .option: return "[--\(long ?? "") \(valueName)]"
        case .repeatedOption: return "[--\(long ?? "") \(valueName) ...]"
        case .argument: return valueName
        case .optionalArgument: return "[\(valueName)]"
        case .repeatedArguments: return "[\(valueName) ...]"
        }
    }
}

/// A bad command line: exit status 64 (EX_USAGE), the message on standard
/// error.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A command that has already said what went wrong (or, for `check` and
/// `detect`, found what its status reports): exit with this status and
/// print nothing more.
struct ExitStatus: Error {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

/// A set of parameters that fills in a value of `Root`: a command, or a
/// group of options several commands share (`SourceOptions`).
protocol ParameterGroup {
    init()
    static var parameters: Parameters<Self> { get }
    /// Checks what the command line gave once it is all read; throws
    /// `UsageError`.
    func validate() throws
}

extension ParameterGroup {
    func validate() throws {}
}

/// The parameters of `Root`: their descriptions and, in the same order,
/// how each one sets its value. Written as a list of parts:
///
///     static var parameters: Parameters<Build> {
///         Parameters(.group(\.source), .flag("json", \.json, help: "..."))
///     }
///
/// (a computed property: built only for the command that runs, and a
/// static `let` of closures would have to be Sendable).
struct Parameters<Root> {
    private(set) var descriptions: [ParameterDescription] = []
    /// A flag's setter is called with "".
    private(set) var setters: [(inout Root, String) -> Void] = []
    /// The groups' `validate`, in declaration order.
    private(set) var checks: [(Root) throws -> Void] = []

    private init(_ description: ParameterDescription, _ setter: @escaping (inout Root, String) -> Void) {
        descriptions = [description]
        setters = [setter]
    }

    init(_ parts: Parameters<Root>...) {
        for part in parts {
            descriptions += part.descriptions
            setters += part.setters
            checks += part.checks
        }
    }

    static func flag(_ long: String, short: Character? = nil, _ keyPath: WritableKeyPath<Root, Bool>,
                     help: String, discussion: String? = nil) -> Self {
        Self(ParameterDescription(long: long, short: short, kind: .flag, valueName: "", help: help, discussion: discussion)) {
            root, _ in root[keyPath: keyPath] = true
        }
    }

    /// An option with a default (shown in the help).
    static func option(_ long: String, short: Character? = nil, _ keyPath: WritableKeyPath<Root, String>, value: String,
                       default defaultValue: String, help: String, discussion: String? = nil) -> Self {
        Self(ParameterDescription(long: long, short: short, kind: .option, valueName: value, help: help,
                                  discussion: discussion, defaultValue: defaultValue)) {
            $0[keyPath: keyPath] = $1
        }
    }

    static func option(_ long: String, short: Character? = nil, _ keyPath: WritableKeyPath<Root, String?>, value: String,
                       help: String, discussion: String? = nil) -> Self {
        Self(ParameterDescription(long: long, short: short, kind: .option, valueName: value, help: help, discussion: discussion)) {
            $0[keyPath: keyPath] = $1
        }
    }

    static func option(_ long: String, short: Character? = nil, _ keyPath: WritableKeyPath<Root, [String]>, value: String,
                       help: String, discussion: String? = nil) -> Self {
        Self(ParameterDescription(long: long, short: short, kind: .repeatedOption, valueName: value, help: help, discussion: discussion)) {
            $0[keyPath: keyPath].append($1)
        }
    }

    static func argument(_ name: String, _ keyPath: WritableKeyPath<Root, String>, help: String) -> Self {
        Self(ParameterDescription(kind: .argument, valueName: name, help: help)) { $0[keyPath: keyPath] = $1 }
    }

    static func argument(_ name: String, _ keyPath: WritableKeyPath<Root, String?>, help: String) -> Self {
        Self(ParameterDescription(kind: .optionalArgument, valueName: name, help: help)) { $0[keyPath: keyPath] = $1 }
    }

    static func arguments(_ name: String, _ keyPath: WritableKeyPath<Root, [String]>, help: String, discussion: String? = nil) -> Self {
        Self(ParameterDescription(kind: .repeatedArguments, valueName: name, help: help, discussion: discussion)) {
            $0[keyPath: keyPath].append($1)
        }
    }

    /// A shared group's parameters, as if declared here, and its `validate`.
    static func group<Group: ParameterGroup>(_ keyPath: WritableKeyPath<Root, Group>) -> Self {
        let inner = Group.parameters
        var result = Self()
        result.descriptions = inner.descriptions
        result.setters = inner.setters.map { set in { root, value in set(&root[keyPath: keyPath], value) } }
        result.checks = inner.checks.map { check in { root in try check(root[keyPath: keyPath]) } }
            + [{ root in try root[keyPath: keyPath].validate() }]
        return result
    }
}
