import Foundation
import Testing

@testable import EarlyUcode
@testable import EarlyUcodeCLI

/// The CLI writes its JSON itself (JSONOutput.swift); Foundation's
/// JSONEncoder, with the options the CLI used before, is the oracle here.
@Suite("JSON output")
struct JSONOutputTests {
    struct Strings: Encodable {
        var plain = "GenuineIntel 0x00050654 (06-55-04)"
        var controls = "a\u{0}b\u{1}c\u{1f}d\u{7f}e\u{8}\u{c}\n\r\t"
        var quotes = "\"quoted\" back\\slash /slash/"
        var unicode = "é \u{2028} 😀 \u{feff}"
        var empty = ""
    }

    struct Shapes: Encodable {
        var emptyArray: [Int] = []
        var emptyObject: [String: Int] = [:]
        var nested = [[1, 2], [], [-3]]
        var absent: String? = nil
        var present: String? = "here"
        var flags = [true, false]
        var numbers: [Int64] = [0, -1, .min, .max]
        var unsigned: [UInt64] = [.max]
        var small: UInt8 = 255
        var fraction = 1.5
        var integral = 2.0
        var nullInArray: [String?] = ["a", nil]
    }

    struct Keys: Encodable {
        var members = ["b_": 1, "B": 2, "a": 3, "a1": 4, "a10": 5, "a2": 6, "é": 7, "z": 8, "Z": 9, "_": 10]
    }

    struct Explicit: Encodable {
        enum CodingKeys: String, CodingKey { case takes, reason }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeNil(forKey: .takes)
            try container.encode("digest not in the list", forKey: .reason)
        }
    }

    static func foundation(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    nonisolated(unsafe) static let cases: [(String, any Encodable)] = [
        ("strings", Strings()), ("shapes", Shapes()), ("keys", Keys()), ("explicit nil", Explicit()),
        ("top-level array", [Strings(), Strings()]), ("top-level string", "x\n"), ("empty", [String: String]()),
        ("enums", [Vendor.intel, Vendor.amd]), ("finding", Finding(.warning, .cpu, "runs 0x1\t", path: "/a/b")),
    ]

    @Test(arguments: cases.indices)
    func sameTextAsFoundation(_ index: Int) throws {
        let (name, value) = Self.cases[index]
        #expect(try JSONValue.encoding(value).text == Self.foundation(value), "\(name)")
    }

    @Test func notANumberIsAnError() {
        #expect(throws: EncodingError.self) { try JSONValue.encoding([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValue.encoding(["x": Double.infinity]) }
    }
}
