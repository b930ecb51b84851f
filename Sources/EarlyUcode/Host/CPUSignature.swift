/// The CPUID(1).EAX value that microcode is matched against.
public struct CPUSignature: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds the signature from the family, model and stepping that
    /// /proc/cpuinfo shows, undoing the kernel's folding of the extended
    /// fields (family 0xf adds the extended family; family 6 and up take
    /// the extended model as the high nibble). Nil when no signature folds
    /// to these values.
    public init?(family: Int, model: Int, stepping: Int) {
        guard (0...0xf).contains(stepping), (0...0xff).contains(model), (0...(0xf + 0xff)).contains(family) else {
            return nil
        }
        let baseFamily = min(family, 0xf)
        let extendedFamily = family - baseFamily
        let (baseModel, extendedModel) = family >= 6 ? (model & 0xf, model >> 4) : (model, 0)
        guard baseModel <= 0xf else { return nil }
        rawValue = UInt32(extendedFamily) << 20 | UInt32(extendedModel) << 16 | UInt32(baseFamily) << 8
            | UInt32(baseModel) << 4 | UInt32(stepping)
    }

    public var baseFamily: Int { Int((rawValue >> 8) & 0xf) }

    public var family: Int {
        baseFamily == 0xf ? baseFamily + Int((rawValue >> 20) & 0xff) : baseFamily
    }

    public var model: Int {
        let base = Int((rawValue >> 4) & 0xf)
        return family >= 6 ? base | Int((rawValue >> 16) & 0xf) << 4 : base
    }

    public var stepping: Int { Int(rawValue & 0xf) }

    /// `06-55-04`: the name Intel's files use.
    public var familyModelStepping: String {
        [family, model, stepping].map { Hex.padded(String($0, radix: 16), to: 2) }.joined(separator: "-")
    }

    public var description: String { Hex.word(rawValue) }

    public static func < (a: CPUSignature, b: CPUSignature) -> Bool { a.rawValue < b.rawValue }

    /// Accepts `0x50654`, `50654` or `06-55-04`.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3 {
            let numbers = parts.map { Hex.parseUInt32($0) }
            guard parts.allSatisfy({ !$0.hasPrefix("0x") && $0.count <= 3 }),
                  let family = numbers[0], let model = numbers[1], let stepping = numbers[2],
                  let signature = CPUSignature(family: Int(family), model: Int(model), stepping: Int(stepping))
            else { return nil }
            self = signature
        } else {
            guard let value = Hex.parseUInt32(text) else { return nil }
            rawValue = value
        }
    }
}

/// Intel's platform-ID mask: bit n stands for platform id n (MSR 0x17 bits
/// 52:50). A CPU has exactly one bit set, or none on very old models.
public struct PlatformFlags: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Intel's matching rule: masks overlap, or both are zero.
    public func matches(_ other: PlatformFlags) -> Bool {
        (rawValue & other.rawValue) != 0 || (rawValue == 0 && other.rawValue == 0)
    }

    /// The individual platforms a mask stands for, or [0] for the empty mask,
    /// which only ever matches itself.
    public var platforms: [PlatformFlags] {
        guard rawValue != 0 else { return [PlatformFlags(0)] }
        return (0..<32).compactMap { bit in rawValue & (1 << bit) != 0 ? PlatformFlags(1 << bit) : nil }
    }

    /// All eight platform ids a CPU can report.
    public static let anyPlatform = PlatformFlags(0xff)

    public var description: String { Hex.byte(rawValue) }
}

public enum Vendor: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case intel = "GenuineIntel"
    case amd = "AuthenticAMD"

    /// The name in the early archive, as Linux and Xen look it up.
    public var archiveMember: String { "kernel/x86/microcode/\(rawValue).bin" }

    public var shortName: String { self == .intel ? "intel" : "amd" }

    /// `intel` or `amd`, as `--vendor` takes it.
    public init?(shortName: String) {
        guard let vendor = Self.allCases.first(where: { $0.shortName == shortName }) else { return nil }
        self = vendor
    }

    /// The vendor of a bare signature: they do not collide, as AMD parts
    /// with microcode are family 0x10 and up, Intel's 6 or 0xf.
    public init(guessingFrom signature: CPUSignature) {
        self = signature.family >= 0x10 ? .amd : .intel
    }

    public static func < (a: Vendor, b: Vendor) -> Bool { a.rawValue < b.rawValue }
}
