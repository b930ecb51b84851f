/// Hexadecimal spellings used in every report, so the CLI, the JSON output
/// and the tests agree on one form.
public enum Hex {
    /// `0x000a0f11`: eight digits, as CPU signatures are usually written.
    public static func word(_ value: UInt32) -> String {
        "0x" + padded(String(value, radix: 16), to: 8)
    }

    /// `0x2007006`: no padding, as revisions appear in /proc/cpuinfo.
    public static func short(_ value: UInt32) -> String {
        "0x" + String(value, radix: 16)
    }

    /// `0xb7`: two digits, for platform-flag masks.
    public static func byte(_ value: UInt32) -> String {
        "0x" + padded(String(value, radix: 16), to: 2)
    }

    public static func offset(_ value: Int) -> String {
        "0x" + String(value, radix: 16)
    }

    static func padded(_ digits: String, to width: Int) -> String {
        digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses `0x1f`, `1f` or `0X1F`; nil for anything else (empty, signs,
    /// spaces, overflow).
    public static func parseUInt32(_ text: some StringProtocol) -> UInt32? {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(digits, radix: 16)
    }
}
