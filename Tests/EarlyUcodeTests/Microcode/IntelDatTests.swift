import Testing

@testable import EarlyUcode

@Suite("Intel .dat text")
struct IntelDatTests {
    static var binary: [UInt8] {
        Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7)
            + Fabricate.intelUpdate(revision: 0x2b000650, signature: 0x806f8, platforms: 0x87,
                                    extended: [.init(signature: 0x806f7, platforms: 0x87)])
    }

    @Test(arguments: ["\n", "\r\n"])
    func decodeRoundTrip(_ lineEnding: String) throws {
        let binary = Self.binary
        let text = Fabricate.dat(from: binary, comments: true, lineEnding: lineEnding)
        let decoded = try IntelDatText.decode(Array(text.utf8))
        #expect(decoded.bytes == binary)
        #expect(decoded.lineOfWord.count == binary.count / 4)
        // Two comment lines, then four words a line.
        #expect(decoded.lineOfWord.first == 3)
        #expect(decoded.lineOfWord[4] == 4)
        #expect(decoded.line(ofByte: 0) == 3)
        #expect(decoded.line(ofByte: 17) == 4)
        #expect(decoded.line(ofByte: binary.count - 1) == 2 + binary.count / 16)
        let updates = try IntelUpdate.parseAll(decoded.bytes, path: "microcode.dat")
        #expect(updates.map(\.revision) == [0x2007006, 0x2b000650])
    }

    @Test func commentsBlankLinesAndSpacingAreIgnored() throws {
        let text = """
            /* header comment */
            //   another
            \t
            0x00000001,\t0x00000002,  0X0000000A ,0xffffffff,
               / indented comment
            0x1, 0xABCDEF01
            \t0x00000000

            """
        let decoded = try IntelDatText.decode(Array(text.utf8))
        var expected: [UInt8] = []
        for word: UInt32 in [1, 2, 0xa, 0xffff_ffff, 1, 0xabcd_ef01, 0] { Fabricate.appendLE32(&expected, word) }
        #expect(decoded.bytes == expected)
        #expect(decoded.lineOfWord == [4, 4, 4, 4, 6, 6, 7])
    }

    @Test func emptyAndCommentOnlyTextDecodeToNothing() throws {
        #expect(try IntelDatText.decode([]).bytes.isEmpty)
        #expect(try IntelDatText.decode(Array("/* nothing */\n\n".utf8)).bytes.isEmpty)
    }

    struct BadText: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var line: Int
        var error: MicrocodeError
        var testDescription: String { name }
    }

    @Test(arguments: [
        BadText(name: "word without 0x", text: "/* c */\n0x00000001,\n12345678,\n", line: 3, error: .datExpectedHexValue),
        BadText(name: "0x without digits", text: "0x00000001,\n0x,\n", line: 2, error: .datNoDigits),
        BadText(name: "non-hex digit", text: "0x00000001, 0x0000000g,\n", line: 1, error: .datUnexpectedCharacter),
        BadText(name: "prose", text: "/* ok */\n\nhello world\n", line: 3, error: .datExpectedHexValue),
        BadText(name: "more than 8 digits", text: "0x00000001,\n0x00000002,\n0x123456789,\n", line: 3, error: .datTooManyDigits),
        BadText(name: "nine zero digits", text: "0x000000000,\n", line: 1, error: .datTooManyDigits),
        BadText(name: "missing comma", text: "0x00000001, 0x00000002 0x00000003,\n", line: 1, error: .datMissingComma),
        BadText(name: "empty value", text: "0x00000001,,0x00000002,\n", line: 1, error: .datEmptyValue),
        BadText(name: "leading comma", text: "0x00000001,\r\n, 0x00000002\r\n", line: 2, error: .datEmptyValue),
    ])
    func errorsNameTheLine(_ bad: BadText) throws {
        let problem = try #require(throws: IntelDatText.Problem.self) { try IntelDatText.decode(Array(bad.text.utf8)) }
        #expect(problem.line == bad.line, "\(problem.error)")
        #expect(problem.error == bad.error)
        // The offset points into the text, on the named line.
        let text = Array(bad.text.utf8)
        #expect(problem.offset >= 0 && problem.offset < text.count)
        let lineOfOffset = 1 + text[..<problem.offset].filter { $0 == UInt8(ascii: "\n") }.count
        #expect(lineOfOffset == bad.line)
    }

    @Test(arguments: [
        "This directory holds microcode.\n\nSee the 0x00000001 value below.\n",
        "-----BEGIN PGP SIGNATURE-----\n\niQIzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n",
        "",
        "/* only a comment */\n",
        "   \n\t\n",
        "x0000001,\n",
    ])
    func proseIsNotDat(_ text: String) {
        #expect(!IntelDatText.looksLikeDat(Array(text.utf8)[...]))
    }

    @Test(arguments: [false, true])
    func datLooksLikeDat(_ comments: Bool) {
        let text = Fabricate.dat(from: Self.binary, comments: comments)
        #expect(IntelDatText.looksLikeDat(Array(text.utf8)[...]))
        let crlf = Fabricate.dat(from: Self.binary, comments: comments, lineEnding: "\r\n")
        #expect(IntelDatText.looksLikeDat(Array(crlf.utf8)[...]))
        #expect(IntelDatText.looksLikeDat(Array(("\n   " + text).utf8)[...]))
    }
}
