/// Xen's command line as far as microcode is concerned.
///
/// Xen parses `ucode=` as a comma-separated list (4.17: `<integer>`,
/// `scan[=<bool>]`, `nmi[=<bool>]`, and from the 4.17.6 backports
/// `digest-check[=<bool>]`); every `ucode=` occurrence is parsed in turn, so a
/// later one overrides the fields it names. Xen skips the first word of its
/// command line (the image name: GRUB writes `placeholder`).
public struct XenCommandLine: Sendable, Equatable {
    /// The words Xen sees, after the image name.
    public var words: [String]

    public init(words: [String]) { self.words = words }

    /// From the arguments of a `multiboot2`/`multiboot` line after the file:
    /// the first is the image name Xen skips.
    public init(multibootArguments: [String]) {
        words = Array(multibootArguments.dropFirst())
    }

    /// Splits a `GRUB_CMDLINE_XEN*` value the way the shell does when GRUB's
    /// script puts it on the line unquoted.
    public init(parsing text: String) {
        words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }

    /// What the `ucode=` options add up to.
    public struct Microcode: Sendable, Equatable {
        /// `ucode=scan`: look for an early cpio at byte 0 of every module after the first.
        public var scan = false
        /// `ucode=<n>`: module n (negative: from the end) is a raw microcode blob.
        public var moduleIndex: Int?
        /// Every `ucode=` word, in order, for messages.
        public var options: [String] = []
        /// List elements Xen would reject (it ignores them and says `-EINVAL`).
        public var invalid: [String] = []
        /// `digest-check=<bool>` / `no-digest-check` (4.17.6+): nil when not given (on).
        public var digestCheck: Bool?

        public var isSet: Bool { !options.isEmpty }
    }

    public var microcode: Microcode {
        var result = Microcode()
        for word in words where word.hasPrefix("ucode=") {
            result.options.append(word)
            for element in word.dropFirst("ucode=".count).split(separator: ",", omittingEmptySubsequences: false) {
                if let value = Self.boolean(named: "scan", element) {
                    result.scan = value
                } else if let value = Self.boolean(named: "digest-check", element) {
                    result.digestCheck = value
                } else if Self.boolean(named: "nmi", element) != nil {
                    continue
                } else if let index = Self.integer(element) {
                    result.moduleIndex = index
                } else {
                    result.invalid.append(String(element))
                }
            }
        }
        return result
    }

    /// Xen's `parse_boolean`: `name`, `no-name`, `name=<bool>`.
    static func boolean(named name: String, _ element: Substring) -> Bool? {
        if element == name { return true }
        if element == "no-" + name { return false }
        guard element.hasPrefix(name + "=") else { return nil }
        switch element.dropFirst(name.count + 1) {
        case "yes", "on", "true", "enable", "1": return true
        case "no", "off", "false", "disable", "0": return false
        default: return nil
        }
    }

    /// Xen's `simple_strtol(s, &q, 0)` over the whole element: decimal,
    /// `0x` hexadecimal or leading-0 octal, optionally negative.
    static func integer(_ element: Substring) -> Int? {
        var digits = element
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 12 else { return nil }
        let value: Int?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            value = Int(digits.dropFirst(2), radix: 16)
        } else if digits.count > 1 && digits.hasPrefix("0") {
            value = Int(digits.dropFirst(), radix: 8)
        } else {
            value = Int(digits, radix: 10)
        }
        return value.map { negative ? -$0 : $0 }
    }
}
