/// Text that reaches an administrator as one line of a diagnostic. File
/// names and bytes quoted from hostile inputs can hold newlines, escape
/// sequences or other control characters; printed raw they would split
/// the line, fake a second message or drive the terminal.
public enum OneLine {
    /// `text` with every control character (C0, DEL, C1) and Unicode line
    /// or paragraph separator written as a visible escape: `\n`, `\t`,
    /// `\r`, or `\u{1b}`. Everything else is unchanged.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let escape = switch scalar {
            case "\n": "\\n"
            case "\t": "\\t"
            case "\r": "\\r"
            default: "\\u{" + String(scalar.value, radix: 16) + "}"
            }
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
