import Testing

@testable import EarlyUcode

/// Inputs the fuzzers (Fuzz/, scripts/fuzz) found, each kept as a test of
/// the behaviour that was fixed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// fuzz-cpuinfo, first minutes: a key of control bytes listed twice put
    /// the raw bytes (here U+0001) into the one-line error message.
    @Test func duplicateControlKeyInCpuinfoStaysOneLine() throws {
        let input: [UInt8] = [0x82, 0x3A, 0x0A, 0x01, 0x2D, 0x3A, 0x82, 0x3A, 0x0A, 0x01, 0x2D, 0x3A, 0x0A, 0x0A, 0x01]
        let error = try #require(throws: InputError.self) { try HostCPUs(cpuinfo: input, path: "cpuinfo") }
        #expect(error.description.contains("appears twice"))
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func longDuplicateKeyIsCut() throws {
        let key = String(repeating: "k", count: 100_000)
        let input = Array("\(key): 1\n\(key): 2\n".utf8)
        let error = try #require(throws: InputError.self) { try HostCPUs(cpuinfo: input, path: "cpuinfo") }
        #expect(error.description.count < 200)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("a\nb", "a\\nb"),
        ("tab\there", "tab\\there"),
        ("\r", "\\r"),
        ("\u{1B}[2J", "\\u{1b}[2J"),
        ("\u{7F}\u{85}", "\\u{7f}\\u{85}"),
        ("line\u{2028}sep", "line\\u{2028}sep"),
        ("grüße", "grüße"),
    ])
    func oneLineEscapes(_ raw: String, _ escaped: String) {
        #expect(OneLine.escaped(raw) == escaped)
    }

    @Test func errorsNamingHostileFilesStayOneLine() {
        let input = InputError(path: "/lib/firmware/intel-ucode/06-55-04\nearly-ucode: all fine", offset: 4, reason: "bad\u{1B}[31m")
        #expect(input.description == "/lib/firmware/intel-ucode/06-55-04\\nearly-ucode: all fine: offset 4 (0x4): bad\\u{1b}[31m")
        let file = FileError(path: "a\nb", reason: "cannot open")
        #expect(file.description == "a\\nb: cannot open")
    }

    /// A damaged file of 0xff bytes was taken for text and skipped; a
    /// single 0x01 byte too. Both are binary in no known format now.
    @Test func controlAndFFBytesAreBinary() {
        #expect(MicrocodeFormat.of([UInt8](repeating: 0xFF, count: 2048)) == .unknownBinary)
        #expect(MicrocodeFormat.of([0x01]) == .unknownBinary)
        #expect(MicrocodeFormat.of(Array("README\r\n\tsee \u{1B}[1mthis\u{1B}[0m\u{0C}\n".utf8)) == .notMicrocode("text file, not microcode"))
        #expect(MicrocodeFormat.of(Array("Grüße, microcode\n".utf8)) == .notMicrocode("text file, not microcode"))
    }
}
