import Testing

@testable import EarlyUcode

@Suite("CPU signatures")
struct CPUSignatureTests {
    struct FMS: Sendable, CustomTestStringConvertible {
        var family: Int
        var model: Int
        var stepping: Int
        var signature: UInt32
        var name: String
        var testDescription: String { "\(family),\(model),\(stepping) -> \(Hex.word(signature))" }
    }

    static let known: [FMS] = [
        FMS(family: 6, model: 85, stepping: 4, signature: 0x50654, name: "06-55-04"),      // Skylake-SP
        FMS(family: 25, model: 1, stepping: 1, signature: 0xa00f11, name: "19-01-01"),     // Milan
        FMS(family: 25, model: 17, stepping: 1, signature: 0xa10f11, name: "19-11-01"),    // Genoa
        FMS(family: 15, model: 4, stepping: 10, signature: 0xf4a, name: "0f-04-0a"),
        FMS(family: 6, model: 0x8f, stepping: 8, signature: 0x806f8, name: "06-8f-08"),     // Sapphire Rapids
        FMS(family: 6, model: 0xbf, stepping: 7, signature: 0xb06f7, name: "06-bf-07"),
        FMS(family: 6, model: 15, stepping: 2, signature: 0x6f2, name: "06-0f-02"),
        FMS(family: 15, model: 6, stepping: 8, signature: 0xf68, name: "0f-06-08"),
        FMS(family: 23, model: 49, stepping: 0, signature: 0x830f10, name: "17-31-00"),    // Rome
        FMS(family: 26, model: 2, stepping: 1, signature: 0xb00f21, name: "1a-02-01"),     // Turin
        // Intel family 19 (extended family 4): Diamond Rapids and relatives.
        FMS(family: 19, model: 1, stepping: 0, signature: 0x400f10, name: "13-01-00"),
        FMS(family: 19, model: 0x11, stepping: 2, signature: 0x410f12, name: "13-11-02"),
        FMS(family: 18, model: 1, stepping: 0, signature: 0x300f10, name: "12-01-00"),
        FMS(family: 5, model: 4, stepping: 3, signature: 0x543, name: "05-04-03"),
    ]

    @Test(arguments: known)
    func signatureFromFamilyModelStepping(_ c: FMS) throws {
        let signature = try #require(CPUSignature(family: c.family, model: c.model, stepping: c.stepping))
        #expect(signature.rawValue == c.signature)
        // And back.
        let raw = CPUSignature(c.signature)
        #expect(raw.family == c.family)
        #expect(raw.model == c.model)
        #expect(raw.stepping == c.stepping)
        #expect(raw.familyModelStepping == c.name)
        #expect(CPUSignature(parsing: c.name) == raw)
        #expect(CPUSignature(parsing: Hex.word(c.signature)) == raw)
        #expect(CPUSignature(parsing: String(c.signature, radix: 16)) == raw)
    }

    @Test(arguments: [
        (6, 85, 16), (6, 256, 0), (5, 17, 0), (-1, 0, 0), (0xf + 0x100, 0, 0), (6, -1, 0), (6, 0, -1),
    ])
    func impossibleFamilyModelStepping(_ family: Int, _ model: Int, _ stepping: Int) {
        #expect(CPUSignature(family: family, model: model, stepping: stepping) == nil)
    }

    @Test func extremeFamilyRoundTrips() throws {
        let signature = try #require(CPUSignature(family: 0xf + 0xff, model: 0xff, stepping: 0xf))
        #expect(signature.rawValue == 0x0fff_0fff)  // bits 15:12 are not part of it
        #expect(signature.family == 0x10e)
        #expect(signature.model == 0xff)
    }

    @Test(arguments: [
        ("06-55-04", 0x50654 as UInt32?), ("0x50654", 0x50654), ("50654", 0x50654), ("0X000A0F11", 0xa0f11), ("0x00A00F11", 0xa00f11),
        ("6-55-4", 0x50654), ("19-01-01", 0xa00f11), ("0f-04-0a", 0xf4a),
        ("", nil), ("0x", nil), ("06-55", nil), ("06-55-04-01", nil), ("0x06-55-04", nil), ("06-55-10", nil),
        ("006-055-004", 0x50654), ("0006-55-04", nil), ("0x123456789", nil), ("-1", nil), ("06-55-zz", nil), ("0x5065g", nil),
        ("05-11-00", nil),
    ] as [(String, UInt32?)])
    func parsing(_ text: String, _ expected: UInt32?) {
        #expect(CPUSignature(parsing: text)?.rawValue == expected)
    }

    @Test func descriptionIsEightDigitHex() {
        #expect(CPUSignature(0x50654).description == "0x00050654")
        #expect(CPUSignature(0xa00f11).description == "0x00a00f11")
        #expect(CPUSignature(0x50654) < CPUSignature(0xa00f11))
    }

    @Test(arguments: [
        (0x01 as UInt32, 0x03 as UInt32, true), (0x04, 0x03, false), (0, 0, true), (0, 1, false), (1, 0, false), (0xff, 0x80, true),
    ])
    func platformFlagsMatch(_ a: UInt32, _ b: UInt32, _ expected: Bool) {
        #expect(PlatformFlags(a).matches(PlatformFlags(b)) == expected)
        #expect(PlatformFlags(b).matches(PlatformFlags(a)) == expected)
    }

    @Test func platformFlagsSplitIntoBits() {
        #expect(PlatformFlags(0xb7).platforms.map(\.rawValue) == [0x01, 0x02, 0x04, 0x10, 0x20, 0x80])
        #expect(PlatformFlags(0).platforms.map(\.rawValue) == [0])
        #expect(PlatformFlags.anyPlatform.platforms.count == 8)
        #expect(PlatformFlags(0x5).description == "0x05")
    }

    @Test func vendorArchiveMembers() {
        #expect(Vendor.intel.archiveMember == "kernel/x86/microcode/GenuineIntel.bin")
        #expect(Vendor.amd.archiveMember == "kernel/x86/microcode/AuthenticAMD.bin")
        #expect(Vendor.amd < Vendor.intel)
    }
}
