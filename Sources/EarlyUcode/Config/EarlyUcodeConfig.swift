/// `/etc/default/early-ucode`: what the initramfs hook and `build` do when
/// the command line does not say.
///
/// The file looks like Debian's `/etc/default/intel-microcode` (shell
/// `KEY=value` lines) but is never executed: it is read as a strict subset of
/// shell assignment syntax, so what the hook does cannot depend on code an
/// administrator (or an attacker) slipped into it, and a mistake is an error
/// naming the line instead of a silently different boot.
public struct EarlyUcodeConfig: Sendable, Equatable {
    public static let defaultPath = "/etc/default/early-ucode"

    /// `EARLY_UCODE`: which CPUs the archive is for.
    public enum Scope: String, Sendable, Equatable, CaseIterable {
        /// This host's CPUs (plus `EARLY_UCODE_CPUS`).
        case auto
        /// Every CPU the sources have microcode for: images that move between machines.
        case all
        /// No archive at all.
        case no
    }

    /// `EARLY_UCODE_XEN`: whether Xen's normal boot entries get `ucode=scan`.
    public enum XenMode: String, Sendable, Equatable, CaseIterable {
        /// Add `ucode=scan` unless the GRUB configuration already passes a
        /// `ucode=` option to Xen: an administrator's explicit choice wins.
        case auto
        /// Add `ucode=scan` unless it is already there, whatever else is set.
        case yes
        /// Never touch Xen's command line.
        case no
    }

    /// Nil when the file does not set it: the caller's default applies
    /// (the hook's default follows initramfs-tools' `MODULES`).
    public var scope: Scope?
    public var cpus: [CPUTarget] = []
    public var exclusions: [Exclusion] = []
    public var firmwareDirectories: [String] = []
    public var xen: XenMode = .auto
    /// The file read, or nil when none was (defaults).
    public var path: String?
    /// What messages name as the settings' origin: the file read, or the
    /// default file that would hold them.
    public var origin: String { path ?? Self.defaultPath }

    public init(scope: Scope? = nil, cpus: [CPUTarget] = [], exclusions: [Exclusion] = [],
                firmwareDirectories: [String] = [], xen: XenMode = .auto, path: String? = nil) {
        self.scope = scope
        self.cpus = cpus
        self.exclusions = exclusions
        self.firmwareDirectories = firmwareDirectories
        self.xen = xen
        self.path = path
    }

    public static let keys = ["EARLY_UCODE", "EARLY_UCODE_CPUS", "EARLY_UCODE_EXCLUDE", "EARLY_UCODE_FIRMWARE_DIRS", "EARLY_UCODE_XEN"]

    /// Reads `path`. A missing file gives the defaults when `required` is
    /// false (the default path on a host that never configured anything);
    /// when the administrator named the file, its absence is an error.
    public static func load(_ path: String, required: Bool) throws -> EarlyUcodeConfig {
        if !required && FileIO.kind(path) == .missing { return EarlyUcodeConfig() }
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 1 << 20) } catch { throw InputError(error) }
        return try parse(bytes, path: path)
    }

    /// Parses the whole file; the first problem is thrown with its line.
    public static func parse(_ bytes: [UInt8], path: String) throws(InputError) -> EarlyUcodeConfig {
        var config = EarlyUcodeConfig(path: path)
        var seen: [String: Int] = [:]
        for assignment in try ShellAssignments.parse(bytes, path: path, strict: true).assignments {
            let fail = { (problem: ConfigError) in InputError(path: path, line: assignment.line, .config(problem)) }
            guard keys.contains(assignment.key) else {
                throw fail(.unknownKey(assignment.key))
            }
            if let first = seen[assignment.key] {
                throw fail(.setTwice(key: assignment.key, firstLine: first))
            }
            seen[assignment.key] = assignment.line
            let value = assignment.value
            let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
            switch assignment.key {
            case "EARLY_UCODE":
                guard value.isEmpty || Scope(rawValue: value) != nil else {
                    throw fail(.badScope(value))
                }
                config.scope = Scope(rawValue: value)
            case "EARLY_UCODE_CPUS":
                for word in words {
                    guard let target = CPUTarget(parsing: word) else {
                        throw fail(.badCPU(word))
                    }
                    config.cpus.append(target)
                }
            case "EARLY_UCODE_EXCLUDE":
                for word in words {
                    guard let exclusion = Exclusion(parsing: word) else {
                        throw fail(.badExclusion(word))
                    }
                    config.exclusions.append(exclusion)
                }
            case "EARLY_UCODE_FIRMWARE_DIRS":
                for word in words {
                    // Relative paths would depend on the directory mkinitramfs happens to run in.
                    guard word.hasPrefix("/") else {
                        throw fail(.relativeFirmwareDirectory(word))
                    }
                    config.firmwareDirectories.append(word)
                }
            case "EARLY_UCODE_XEN":
                guard value.isEmpty || XenMode(rawValue: value) != nil else {
                    throw fail(.badXenMode(value))
                }
                config.xen = XenMode(rawValue: value) ?? .auto
            default:
                break
            }
        }
        return config
    }

    /// Where the microcode comes from: the configured folders, or the system's.
    public var sources: [MicrocodeSource] { sources(commandLine: []) }
}

/// `KEY=value` lines read without a shell.
///
/// Strict mode (our own file) accepts only: blank lines, `#` comments,
/// `KEY=word`, `KEY="..."`, `KEY='...'`, optionally followed by blanks and a
/// comment. Any expansion (`$`, backticks), command, `export`, or unquoted
/// special character is an error with its line. Lenient mode (files owned by
/// other packages, such as `/etc/default/grub` or
/// `/etc/default/intel-microcode`) records such lines as `unreadable` instead
/// of failing, and expands `$NAME`/`${NAME}` references to variables
/// assigned earlier in the same reading, which is how those files usually
/// append to a value.
public struct ShellAssignments: Sendable, Equatable {
    public struct Assignment: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    /// A line lenient mode could not interpret, with why.
    public struct Unreadable: Sendable, Equatable {
        public var line: Int
        public var text: String
        public var problem: ConfigError
        public var reason: String { problem.description }
    }

    public var assignments: [Assignment] = []
    public var unreadable: [Unreadable] = []

    /// The last value assigned to `key`, if any.
    public func value(of key: String) -> String? {
        assignments.last { $0.key == key }?.value
    }

    public static func parse(_ bytes: [UInt8], path: String, strict: Bool,
                             environment: [String: String] = [:]) throws(InputError) -> ShellAssignments {
        var result = ShellAssignments()
        var variables = environment
        var lineNumber = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let text = String(validating: raw, as: UTF8.self) else {
                if strict { throw InputError(path: path, line: lineNumber, .config(.notUTF8)) }
                result.unreadable.append(Unreadable(line: lineNumber, text: "", problem: .notUTF8))
                continue
            }
            let line = text.hasSuffix("\r") ? String(text.dropLast()) : text
            do throws(LineError) {
                guard let (key, value) = try parseLine(line, strict: strict, variables: variables) else { continue }
                variables[key] = value
                result.assignments.append(Assignment(key: key, value: value, line: lineNumber))
            } catch {
                if strict { throw InputError(path: path, line: lineNumber, .config(error.problem)) }
                result.unreadable.append(Unreadable(line: lineNumber, text: line, problem: error.problem))
            }
        }
        return result
    }

    struct LineError: Error {
        var problem: ConfigError
    }

    /// Nil for blank and comment lines.
    static func parseLine(_ line: String, strict: Bool, variables: [String: String]) throws(LineError) -> (String, String)? {
        var chars = Substring(line)
        chars = chars.drop { $0 == " " || $0 == "\t" }
        if chars.isEmpty || chars.first == "#" { return nil }
        if chars.hasPrefix("export ") {
            throw LineError(problem: .export)
        }
        guard let equals = chars.firstIndex(of: "=") else {
            throw LineError(problem: .expectedAssignment(found: String(chars)))
        }
        let key = String(chars[..<equals])
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              key.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) })
        else {
            throw LineError(problem: .badVariableName(found: String(chars)))
        }
        var rest = chars[chars.index(after: equals)...]
        var value = ""
        // One shell word: unquoted, "...", '...' pieces next to each other.
        while let c = rest.first, c != " " && c != "\t" {
            switch c {
            case "'":
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "'") else { throw LineError(problem: .unterminatedSingleQuote) }
                value += rest[..<close]
                rest = rest[rest.index(after: close)...]
            case "\"":
                rest = rest.dropFirst()
                var closed = false
                while let d = rest.first {
                    rest = rest.dropFirst()
                    if d == "\"" { closed = true; break }
                    if d == "\\" {
                        // POSIX: inside double quotes a backslash escapes only these.
                        guard let e = rest.first, "\"\\$`".contains(e) else {
                            throw LineError(problem: .badBackslash)
                        }
                        value.append(e)
                        rest = rest.dropFirst()
                    } else if d == "$" {
                        value += try expand(&rest, strict: strict, variables: variables)
                    } else if d == "`" {
                        throw LineError(problem: .commandSubstitution)
                    } else {
                        value.append(d)
                    }
                }
                guard closed else { throw LineError(problem: .unterminatedDoubleQuote) }
            case "$":
                rest = rest.dropFirst()
                value += try expand(&rest, strict: strict, variables: variables)
            case "`":
                throw LineError(problem: .commandSubstitution)
            default:
                guard c.isASCII, c.isLetter || c.isNumber || "_./,:+@%=-".contains(c) else {
                    throw LineError(problem: .mustBeQuoted(String(c)))
                }
                value.append(c)
                rest = rest.dropFirst()
            }
        }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        if let c = rest.first, c != "#" {
            throw LineError(problem: .textAfterValue(String(rest)))
        }
        return (key, value)
    }

    /// `$NAME` or `${NAME}` (rest starts just after `$`). Strict mode rejects
    /// every expansion; lenient mode substitutes variables read so far and
    /// refuses anything fancier (`${x:-y}`, `$(...)`), which would need a shell.
    static func expand(_ rest: inout Substring, strict: Bool, variables: [String: String]) throws(LineError) -> String {
        if strict { throw LineError(problem: .expansionNotAccepted) }
        var name = ""
        if rest.first == "{" {
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: "}") else { throw LineError(problem: .unterminatedBrace) }
            name = String(rest[..<close])
            rest = rest[rest.index(after: close)...]
        } else {
            while let c = rest.first, c.isASCII, c.isLetter || c.isNumber || c == "_" {
                name.append(c)
                rest = rest.dropFirst()
            }
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw LineError(problem: .expansionNeedsShell)
        }
        return variables[name] ?? ""
    }
}
