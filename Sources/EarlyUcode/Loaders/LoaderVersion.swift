/// A loader's release: Linux `6.12.117`, Xen `4.20.4`. Only the numbers
/// decide which rules apply; distribution suffixes are kept in `text`.
public struct LoaderVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// The first `MAJOR.MINOR[.PATCH]` at the start of `text` (`4.17.7+13-g2445b30a44`, `6.12.117-1`).
    public init?(parsing text: some StringProtocol) {
        var numbers: [Int] = []
        var current = ""
        for character in text {
            if character.isASCII, character.isNumber {
                current.append(character)
                guard current.count <= 6 else { return nil }
            } else if character == ".", !current.isEmpty, numbers.count < 2 {
                numbers.append(Int(current) ?? 0)
                current = ""
            } else {
                break
            }
        }
        if !current.isEmpty { numbers.append(Int(current) ?? 0) }
        guard numbers.count >= 2 else { return nil }
        self.init(numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0)
    }

    /// The stable branch: `6.12`, `4.20`.
    public var branch: LoaderVersion { LoaderVersion(major, minor) }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (a: LoaderVersion, b: LoaderVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }
}
