/// Hexadecimal spellings used in every report, so the CLI, the JSON output
/// and the tests agree on one form.
public enum Hex {
    /// `0x000a0f11`: eight digits, as CPU signatures are usually written.
    public static func word(_ value: UInt32) -> String { spelled(value, minimumDigits: 8) }

    /// `0x2007006`: no padding, as revisions appear in /proc/cpuinfo.
    public static func short(_ value: UInt32) -> String { spelled(value, minimumDigits: 1) }

    /// `0xb7`: two digits, for platform-flag masks.
    public static func byte(_ value: UInt32) -> String { spelled(value, minimumDigits: 2) }

    /// `0x`, then lowercase digits, zero-padded to `minimumDigits` (at most
    /// 8): written straight into the string (at most 10 bytes, so no
    /// allocation), as reports spell thousands of these.
    static func spelled(_ value: UInt32, minimumDigits: Int) -> String {
        var digits = 1
        while digits < 8 && value >> (4 * UInt32(digits)) != 0 { digits += 1 }
        let count = max(digits, min(minimumDigits, 8))
        return String(unsafeUninitializedCapacity: 2 + count) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "x")
            for index in 0..<count {
                let nibble = UInt8(truncatingIfNeeded: value >> (4 * UInt32(count - 1 - index))) & 0x0f
                buffer[2 + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 2 + count
        }
    }

    public static func offset(_ value: Int) -> String {
        "0x" + String(value, radix: 16)
    }

    public static func padded(_ digits: String, to width: Int) -> String {
        digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Parses `0x1f`, `1f` or `0X1F`; nil for anything else (empty, signs,
    /// spaces, overflow).
    public static func parseUInt32(_ text: some StringProtocol) -> UInt32? {
        var digits = Substring(text).utf8[...]
        if digits.starts(with: "0x".utf8) || digits.starts(with: "0X".utf8) { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            guard let nibble = digit(byte) else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    /// The value of one ASCII hexadecimal digit, either case: the decoder
    /// every hexadecimal reader (command line, sysfs, .dat text, cpio
    /// headers) goes through.
    @inline(__always)
    public static func digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
