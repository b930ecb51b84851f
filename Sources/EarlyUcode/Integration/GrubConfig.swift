/// A reader for the parts of `/boot/grub/grub.cfg` that decide what Xen
/// loads: menu entries (inside submenus), their `multiboot2`/`multiboot`
/// line (Xen and its command line) and `module2`/`module` lines (dom0's
/// kernel, then its initrd and any other modules, numbered from 0 as Xen
/// numbers them).
///
/// It reads GRUB's script syntax only as far as that needs: words, quotes,
/// backslashes, `{`/`}` blocks and `;`. Variables (`${xen_rm_opts}`) stay as
/// written; they are set at boot time and never hold microcode options in
/// configurations update-grub writes.
public struct GrubConfig: Sendable, Equatable {
    public var path: String
    public var entries: [GrubMenuEntry]

    public init(path: String, entries: [GrubMenuEntry]) {
        self.path = path
        self.entries = entries
    }

    /// File names GRUB 2.04-2.06's `20_linux_xen` (and `10_linux`) put before
    /// the real initrd: `GRUB_EARLY_INITRD_LINUX_STOCK` as grub-mkconfig sets it.
    public static let stockEarlyInitrdNames = [
        "intel-uc.img", "intel-ucode.img", "amd-uc.img", "amd-ucode.img", "early_ucode.cpio", "microcode.cpio",
    ]

    public var xenEntries: [GrubMenuEntry] { entries.filter(\.isXen) }

    public static func load(_ path: String) throws -> GrubConfig {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 16 << 20) } catch { throw InputError(error) }
        return try GrubConfig(bytes, path: path)
    }

    public init(_ bytes: [UInt8], path: String) throws(InputError) {
        self.path = path
        entries = []
        enum Block {
            case submenu(String)
            case entry(Int)
            case other
        }
        var stack: [Block] = []
        var lineNumber = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: raw, as: UTF8.self)
            for command in Self.commands(in: text).flatMap(Self.splitAtBraces) {
                guard let name = command.first else { continue }
                if name == "}" {
                    guard !stack.isEmpty else {
                        throw InputError(path: path, line: lineNumber, .grub(.closesNoBlock))
                    }
                    stack.removeLast()
                    continue
                }
                let opensBlock = command.last == "{"
                let arguments = Array(command.dropFirst().prefix(while: { $0 != "{" }))
                if name == "menuentry" || name == "submenu" {
                    guard opensBlock else {
                        throw InputError(path: path, line: lineNumber, .grub(.blockWithoutBrace(name)))
                    }
                    let title = arguments.first ?? ""
                    var id: String?
                    if let marker = arguments.firstIndex(of: "$menuentry_id_option"), marker + 1 < arguments.count {
                        id = arguments[marker + 1]
                    }
                    if name == "submenu" {
                        stack.append(.submenu(title))
                    } else {
                        let submenus = stack.compactMap { block -> String? in
                            if case .submenu(let title) = block { return title }
                            return nil
                        }
                        entries.append(GrubMenuEntry(title: title, id: id, line: lineNumber, submenus: submenus, commands: []))
                        stack.append(.entry(entries.count - 1))
                    }
                    continue
                }
                if opensBlock {
                    stack.append(.other)
                    continue
                }
                // Commands inside the innermost menu entry, if any.
                if let index = stack.reversed().lazy.compactMap({ block -> Int? in
                    if case .entry(let index) = block { return index }
                    return nil
                }).first {
                    entries[index].commands.append(GrubCommand(name: name, arguments: arguments, line: lineNumber))
                }
            }
        }
        if !stack.isEmpty {
            throw InputError(path: path, line: lineNumber, .grub(.endsInsideBlock))
        }
    }

    /// `menuentry 'x' { linux /vmlinuz }` on one line: the opener (up to
    /// `{`), the commands inside, and `}` each become a command of their own.
    static func splitAtBraces(_ words: [String]) -> [[String]] {
        var result: [[String]] = []
        var current: [String] = []
        for word in words {
            if word == "{" {
                result.append(current + ["{"])
                current = []
            } else if word == "}" {
                if !current.isEmpty { result.append(current) }
                result.append(["}"])
                current = []
            } else {
                current.append(word)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Splits one line into commands (at unquoted `;`) of words. `#` at the
    /// start of a word starts a comment.
    static func commands(in line: String) -> [[String]] {
        var commands: [[String]] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        for c in line {
            if escaped {
                word.append(c)
                escaped = false
                continue
            }
            if let q = quote {
                if c == q { quote = nil }
                else if c == "\\" && q == "\"" { escaped = true }
                else { word.append(c) }
                continue
            }
            switch c {
            case " ", "\t", "\r":
                endWord()
            case ";":
                endWord()
                if !words.isEmpty { commands.append(words) }
                words = []
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case "#" where !inWord:
                endWord()
                if !words.isEmpty { commands.append(words) }
                return commands
            default:
                word.append(c)
                inWord = true
            }
        }
        endWord()
        if !words.isEmpty { commands.append(words) }
        return commands
    }
}

public struct GrubCommand: Sendable, Equatable {
    public var name: String
    public var arguments: [String]
    public var line: Int
}

/// One module of a Xen entry, numbered as Xen numbers them (0 is dom0's kernel).
public struct XenModule: Sendable, Equatable {
    public var index: Int
    /// The one file GRUB loads from this line.
    public var file: String
    /// The module's command line: what follows the file.
    public var arguments: [String]
    public var line: Int

    /// Further files on the same line. GRUB's `module2` loads only the first
    /// file and hands the rest to it as its command line: the layout GRUB
    /// 2.04-2.06's `20_linux_xen` writes for early initrds.
    public var extraFiles: [String] {
        arguments.filter { ($0.hasPrefix("/") || $0.hasPrefix("(")) && !$0.contains("=") }
    }

    public var baseName: String { Path.split(file).base }

    /// Named like an initramfs-tools (or dracut, genkernel) initrd.
    public var looksLikeInitrd: Bool {
        let base = baseName
        return base.hasPrefix("initrd") || base.hasPrefix("initramfs")
    }

    /// Named like an early-microcode file GRUB 2.04-2.06 would list first.
    public var hasStockEarlyName: Bool { GrubConfig.stockEarlyInitrdNames.contains(baseName) }
}

public struct GrubMenuEntry: Sendable, Equatable {
    public var title: String
    /// The id after `$menuentry_id_option`, when present.
    public var id: String?
    public var line: Int
    /// Titles of the submenus it is in, outermost first.
    public var submenus: [String]
    public var commands: [GrubCommand]

    /// The `multiboot2` (or `multiboot`) line that loads Xen.
    public var hypervisor: GrubCommand? {
        commands.first { ($0.name == "multiboot2" || $0.name == "multiboot") && Self.isXenImage($0.arguments.first) }
    }

    public var isXen: Bool { hypervisor != nil }

    static func isXenImage(_ file: String?) -> Bool {
        guard let file else { return false }
        return Path.split(file).base.hasPrefix("xen")
    }

    /// Debian's `20_linux_xen` marks recovery entries in the id
    /// (`xen-gnulinux-V-recovery-UUID`) and the title; a hand-written entry
    /// that boots dom0 with `single` counts too.
    public var isRecovery: Bool {
        if let id, id.contains("-recovery-") { return true }
        if title.lowercased().contains("recovery mode") { return true }
        return modules.first?.arguments.contains("single") ?? false
    }

    public var xenCommandLine: XenCommandLine? {
        hypervisor.map { XenCommandLine(multibootArguments: Array($0.arguments.dropFirst())) }
    }

    /// `module2`/`module` lines after Xen's, in order; flags such as
    /// `--nounzip` are not part of the file or its command line.
    public var modules: [XenModule] {
        guard let hypervisor else { return [] }
        let loader = hypervisor.name == "multiboot2" ? "module2" : "module"
        var result: [XenModule] = []
        for command in commands where command.name == loader && command.line >= hypervisor.line {
            let words = command.arguments.drop { $0.hasPrefix("--") }
            guard let file = words.first else { continue }
            result.append(XenModule(index: result.count, file: file, arguments: Array(words.dropFirst()), line: command.line))
        }
        return result
    }

    /// `Advanced options > Xen hypervisor, version 4.17 > Debian GNU/Linux, ...`
    public var displayName: String {
        (submenus + [title]).joined(separator: " > ")
    }
}
