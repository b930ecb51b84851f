/// xen.efi's configuration file (`xen.cfg`, or `<image>.cfg` beside the
/// image), read strictly, and early-ucode's edits of it: a `ucode=` line
/// in each section that boots Xen.
///
/// What xen.efi itself accepts (read in xen/common/efi/boot.c, the same in
/// Xen 4.17 and 4.20): `pre_parse()` turns every control byte (0x00-0x1f,
/// 0x7f; Xen's ctype also counts 0x80-0x9f) into the end of a line, drops
/// leading blanks, and makes everything from a `#` (anywhere) or a leading
/// `;` a comment; `get_value(section, key)` then looks, from the line
/// `[section]` (anything after the `]` ignored) up to the next line
/// starting with `[`, for the first line starting with exactly `key=`
/// (no blank before the `=`), and returns the rest with leading blanks
/// dropped. xen.efi boots the section named by `[global] default=` (or on
/// its command line), reads `kernel=` from it, and `ucode=` from it or,
/// when the section has none, from `[global]`
/// (xen/arch/x86/efi/efi-boot.h efi_arch_cfg_file_late()); the ucode
/// value is cut at its first blank (`split_string()`) and names a file in
/// xen.efi's own folder. A last line without a newline is ignored ("No
/// newline at end of config file").
///
/// This reader accepts a subset with one meaning: ASCII text of lines
/// ending in LF (or CRLF); blank lines; comments (`#`, `;`); `[name]`
/// headers (a name without blanks or `[`, nothing after the `]` but a
/// comment); `key=value` lines inside a section, the key made of letters,
/// digits, `_`, `-` and `.`. Anything Xen would read differently from how
/// it looks (a tab inside a line, which Xen turns into a line break; a
/// blank before `=`, which makes Xen skip the line; a section or key given
/// twice, of which Xen reads only the first; text before the first
/// section; no final newline) is an error naming the line, and nothing is
/// written.
public struct XenEFIConfig: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case blank
            /// `#...` or `;...`.
            case comment
            case section(String)
            /// `value` as Xen reads it, trailing blanks dropped.
            case entry(key: String, value: String)
        }

        /// 1-based.
        public var number: Int
        /// The line's bytes without its end (LF or CRLF).
        public var content: Range<Int>
        /// The end-of-line bytes: `\n` or `\r\n`.
        public var end: Range<Int>
        public var kind: Kind
        /// An entry's text after `#`, blanks trimmed; nil without one.
        public var comment: String?
        /// The leading blanks (kept for lines early-ucode inserts after this one).
        public var indent: Range<Int>
    }

    public struct Section: Sendable, Equatable {
        public var name: String
        /// Index into `lines` of the header, and one past the section's last line.
        public var header: Int
        public var end: Int
        /// Each key's line index (the first: duplicates are refused).
        public var entries: [String: Int]

        public func has(_ key: String) -> Bool { entries[key] != nil }
    }

    public var path: String
    public var bytes: [UInt8]
    public var lines: [Line]
    public var sections: [Section]

    /// xen.cfg files are a few hundred bytes; the reader never needs more.
    public static let sizeLimit = 1 << 20
    public static let lineLimit = 4096
    /// `[global]`: defaults (default=, chain=, and the ucode= fallback), not a boot entry.
    public static let globalSection = "global"

    // MARK: Reading

    public static func load(_ path: String) throws(InputError) -> XenEFIConfig {
        let bytes: [UInt8]
        do throws(FileError) {
            bytes = try FileIO.read(path, limit: sizeLimit)
        } catch {
            throw InputError(error)
        }
        return try XenEFIConfig(bytes, path: path)
    }

    public init(_ bytes: [UInt8], path: String) throws(InputError) {
        self.path = path
        self.bytes = bytes
        var lines: [Line] = []
        var sections: [Section] = []
        var start = 0
        var number = 0
        func fail(_ error: EFIError) -> InputError { InputError(path: path, line: number, .efi(error)) }
        while start < bytes.count {
            number += 1
            guard let newline = bytes[start...].firstIndex(of: 0x0a) else {
                throw fail(.configNoFinalNewline)
            }
            var contentEnd = newline
            if contentEnd > start, bytes[contentEnd - 1] == 0x0d { contentEnd -= 1 }
            guard contentEnd - start <= Self.lineLimit else { throw fail(.configLineTooLong(length: contentEnd - start, limit: Self.lineLimit)) }
            let line = try Self.classify(bytes, start..<contentEnd, end: contentEnd..<(newline + 1), number: number, path: path)
            switch line.kind {
            case .section(let name):
                if let first = sections.first(where: { $0.name == name }) {
                    throw fail(.configDuplicateSection(name, firstLine: lines[first.header].number))
                }
                if let last = sections.indices.last { sections[last].end = lines.count }
                sections.append(Section(name: name, header: lines.count, end: lines.count + 1, entries: [:]))
            case .entry(let key, _):
                guard let last = sections.indices.last else { throw fail(.configKeyOutsideSection(key)) }
                if let first = sections[last].entries[key] {
                    throw fail(.configDuplicateKey(key, section: sections[last].name, firstLine: lines[first].number))
                }
                sections[last].entries[key] = lines.count
            case .blank, .comment:
                break
            }
            lines.append(line)
            start = newline + 1
        }
        if let last = sections.indices.last { sections[last].end = lines.count }
        self.lines = lines
        self.sections = sections
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func classify(_ bytes: [UInt8], _ content: Range<Int>, end: Range<Int>, number: Int, path: String) throws(InputError) -> Line {
        func fail(_ error: EFIError) -> InputError { InputError(path: path, line: number, .efi(error)) }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        // Leading and trailing blanks (tabs included: Xen drops a leading
        // one and a trailing one ends nothing that matters).
        var first = content.lowerBound
        while first < content.upperBound, isBlank(bytes[first]) { first += 1 }
        var last = content.upperBound
        while last > first, isBlank(bytes[last - 1]) { last -= 1 }
        for index in content {
            let byte = bytes[index]
            let column = index - content.lowerBound + 1
            if byte >= 0x80 { throw fail(.configNonASCII(byte: byte, column: column)) }
            if byte == 0x0d { throw fail(.configLoneCarriageReturn(column: column)) }
            // A tab between the first and last visible byte is a line break to Xen.
            if byte < 0x20 || byte == 0x7f, !(byte == 0x09 && (index < first || index >= last)) {
                throw fail(.configControlCharacter(byte: byte, column: column))
            }
        }
        var line = Line(number: number, content: content, end: end, kind: .blank, comment: nil, indent: content.lowerBound..<first)
        guard first < last else { return line }
        if bytes[first] == UInt8(ascii: "#") || bytes[first] == UInt8(ascii: ";") {
            line.kind = .comment
            return line
        }
        // Xen cuts every line at its first '#'.
        var code = last
        if let hash = bytes[first..<last].firstIndex(of: UInt8(ascii: "#")) {
            code = hash
            var commentStart = hash + 1
            while commentStart < last, isBlank(bytes[commentStart]) { commentStart += 1 }
            line.comment = text(commentStart..<last)
        }
        while code > first, isBlank(bytes[code - 1]) { code -= 1 }
        let visible = first..<code

        if bytes[first] == UInt8(ascii: "[") {
            guard let close = bytes[visible].firstIndex(of: UInt8(ascii: "]")) else { throw fail(.configSectionUnterminated) }
            guard close > first + 1 else { throw fail(.configSectionWithoutName) }
            let name = text((first + 1)..<close)
            guard close + 1 == code else { throw fail(.configTextAfterSection(text((close + 1)..<code))) }
            guard !bytes[(first + 1)..<close].contains(where: { isBlank($0) || $0 == UInt8(ascii: "[") }) else {
                throw fail(.configSectionNameNotWord(name))
            }
            line.kind = .section(name)
            return line
        }
        guard let equals = bytes[visible].firstIndex(of: UInt8(ascii: "=")) else { throw fail(.configNotKeyValue(text(visible))) }
        var keyEnd = equals
        while keyEnd > first, isBlank(bytes[keyEnd - 1]) { keyEnd -= 1 }
        let key = text(first..<keyEnd)
        guard keyEnd > first, bytes[first..<keyEnd].allSatisfy(isKeyByte) else { throw fail(.configBadKey(text(first..<equals))) }
        guard keyEnd == equals else { throw fail(.configSpaceBeforeEquals(key)) }
        var valueStart = equals + 1
        while valueStart < code, isBlank(bytes[valueStart]) { valueStart += 1 }
        line.kind = .entry(key: key, value: text(valueStart..<max(valueStart, code)))
        return line
    }

    // MARK: What Xen reads

    public func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// The sections that boot Xen: every one but `[global]` with a `kernel=` (dom0's kernel).
    public var bootSections: [Section] {
        sections.filter { $0.name != Self.globalSection && $0.has("kernel") }
    }

    /// `[global] default=`: the section xen.efi boots when its command line names none.
    public var defaultSection: String? { value(of: "default", in: section(named: Self.globalSection)) }

    public func value(of key: String, in section: Section?) -> String? {
        guard let section, let index = section.entries[key], case .entry(_, let value) = lines[index].kind else { return nil }
        return value
    }

    /// Where a section's microcode comes from: its own `ucode=`, else `[global]`'s.
    public struct Ucode: Sendable, Equatable {
        /// The file xen.efi opens (the value up to its first blank), in xen.efi's folder.
        public var file: String
        /// Index into `lines`.
        public var line: Int
        /// From `[global]`, not the section itself.
        public var fromGlobal: Bool
        /// A line early-ucode wrote (`ucode=FILE # early-ucode`).
        public var isEarlyUcodes: Bool
    }

    public func ucode(for section: Section) -> Ucode? {
        for (candidate, global) in [(Optional(section), false), (self.section(named: Self.globalSection), true)] {
            guard let candidate, let index = candidate.entries["ucode"], case .entry(_, let value) = lines[index].kind else { continue }
            let file = String(value.prefix { $0 != " " && $0 != "\t" })
            return Ucode(file: file, line: index, fromGlobal: global && candidate.name != section.name, isEarlyUcodes: isOurs(index))
        }
        return nil
    }

    // MARK: early-ucode's lines

    /// Ends every `ucode=` line early-ucode writes: a comment to Xen.
    public static let marker = "early-ucode"
    /// Starts the comment that keeps a `ucode=` line early-ucode replaced.
    public static let replacedPrefix = "# early-ucode replaced: "

    public func isOurs(_ index: Int) -> Bool {
        guard case .entry(let key, _) = lines[index].kind else { return false }
        return key == "ucode" && lines[index].comment == Self.marker
    }

    /// A comment early-ucode wrote to keep a line it replaced (after the line's indent).
    public func isReplacedRecord(_ index: Int) -> Bool { replacedLine(index) != nil }

    /// The line a replaced-line comment keeps, indented as the comment is:
    /// only when it reads as a `ucode=` line that early-ucode did not write
    /// (what `enabling` records). A comment edited by hand into something
    /// else stays a comment: putting it back would make the file unreadable.
    func replacedLine(_ index: Int) -> [UInt8]? {
        let line = lines[index]
        guard line.kind == .comment else { return nil }
        let text = bytes[line.indent.upperBound..<line.content.upperBound]
        guard text.starts(with: Self.replacedPrefix.utf8) else { return nil }
        let original = Array(bytes[line.indent]) + Array(text.dropFirst(Self.replacedPrefix.utf8.count))
        guard let restored = try? Self.classify(original, original.indices, end: original.endIndex..<original.endIndex, number: line.number, path: ""),
              case .entry(key: "ucode", _) = restored.kind, restored.comment != Self.marker else { return nil }
        return original
    }

    /// What an edit did to one section.
    public enum Change: Sendable, Equatable {
        case added(section: String, file: String)
        /// Its own `ucode=` line now names `file`; the old one is kept as a comment.
        case replaced(section: String, old: String, file: String)
        /// early-ucode's line named another file (the format changed).
        case updated(section: String, old: String, file: String)
        case removed(section: String, file: String)
        /// early-ucode's line taken out and the line it replaced put back.
        case restored(section: String, file: String, line: String)
    }

    /// The configuration with `ucode=FILE # early-ucode` in every section
    /// that boots Xen; every other byte kept. A section's own `ucode=`
    /// line that early-ucode did not write is kept as a comment above
    /// early-ucode's (`disable` puts it back). Already so: `changes` empty.
    public func enabling(file: String) -> (bytes: [UInt8], changes: [Change]) {
        var edits: [(line: Int, replacement: [UInt8])] = []
        var inserts: [(after: Int, bytes: [UInt8])] = []
        var changes: [Change] = []
        for section in bootSections {
            if let index = section.entries["ucode"] {
                let line = lines[index]
                let eol = Array(bytes[line.end])
                let ours = Array(bytes[line.indent]) + Self.ucodeLine(file) + eol
                if isOurs(index) {
                    guard let current = ucode(for: section), current.file != file else { continue }
                    edits.append((index, ours))
                    changes.append(.updated(section: section.name, old: current.file, file: file))
                } else {
                    // Indented as the line was: a blank inside a comment line would read otherwise.
                    let record = Array(bytes[line.indent]) + Array(Self.replacedPrefix.utf8)
                        + Array(bytes[line.indent.upperBound..<line.content.upperBound]) + eol
                    edits.append((index, record + ours))
                    changes.append(.replaced(section: section.name, old: ucode(for: section)?.file ?? "", file: file))
                }
            } else {
                // After the section's last key=value line, indented like it.
                let last = section.entries.values.max() ?? section.header
                let line = lines[last]
                inserts.append((last, Array(bytes[line.indent]) + Self.ucodeLine(file) + Array(bytes[line.end])))
                changes.append(.added(section: section.name, file: file))
            }
        }
        return (rewritten(edits: edits, inserts: inserts), changes)
    }

    /// The configuration without early-ucode's lines: each removed, or
    /// replaced by the line it had replaced. Nothing else changes.
    public func disabling() -> (bytes: [UInt8], changes: [Change]) {
        var edits: [(line: Int, replacement: [UInt8])] = []
        var changes: [Change] = []
        for section in sections {
            guard let index = section.entries["ucode"], isOurs(index), let current = ucode(for: section) else { continue }
            let previous = index - 1
            if previous > section.header, let original = replacedLine(previous) {
                edits.append((previous, original + Array(bytes[lines[previous].end])))
                edits.append((index, []))
                changes.append(.restored(section: section.name, file: current.file, line: String(decoding: original, as: UTF8.self)))
            } else {
                edits.append((index, []))
                changes.append(.removed(section: section.name, file: current.file))
            }
        }
        return (rewritten(edits: edits, inserts: []), changes)
    }

    /// `ucode=FILE # early-ucode`: Xen reads `FILE` (it stops at the blank,
    /// and the `#` starts a comment).
    static func ucodeLine(_ file: String) -> [UInt8] { Array("ucode=\(file) # \(marker)".utf8) }

    /// The files early-ucode's lines name.
    public var earlyUcodeFiles: Set<String> {
        Set(sections.compactMap { section in
            guard let index = section.entries["ucode"], isOurs(index) else { return nil }
            return ucode(for: section)?.file
        })
    }

    private func rewritten(edits: [(line: Int, replacement: [UInt8])], inserts: [(after: Int, bytes: [UInt8])]) -> [UInt8] {
        guard !edits.isEmpty || !inserts.isEmpty else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64 * (edits.count + inserts.count))
        let replaced = Dictionary(edits.map { ($0.line, $0.replacement) }, uniquingKeysWith: { first, _ in first })
        let added = Dictionary(inserts.map { ($0.after, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        for (index, line) in lines.enumerated() {
            if let replacement = replaced[index] {
                out += replacement
            } else {
                out += bytes[line.content.lowerBound..<line.end.upperBound]
            }
            if let insert = added[index] { out += insert }
        }
        return out
    }
}
