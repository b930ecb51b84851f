import Foundation
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
        #expect(sameCase(error.problem, .host(.keyTwice(""))))
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
        let input = InputError(path: "/lib/firmware/intel-ucode/06-55-04\nearly-ucode: all fine", offset: 4, .microcode(.notMicrocode("bad\u{1B}[31m")))
        #expect(input.description == "/lib/firmware/intel-ucode/06-55-04\\nearly-ucode: all fine: offset 4 (0x4): not microcode: bad\\u{1b}[31m")
        let file = FileError(path: "a\nb", .system(.open, errno: ENOENT))
        #expect(file.description == "a\\nb: cannot open: No such file or directory")
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

/// Found while sizing inputs for the fuzzers: `groups`, `mixedRevisions`
/// and `targets` searched linearly per CPU, so a 4 MB --cpuinfo listing
/// 40,000 CPUs, each at another revision, kept `detect` busy for minutes.
@Suite("Hostile sizes")
struct HostileSizeTests {
    @Test func manyDistinctCPUsStayLinear() throws {
        let count = 20_000
        var text = ""
        for number in 0..<count {
            text += "processor\t: \(number)\nvendor_id\t: GenuineIntel\ncpu family\t: \(6 + (number >> 12))\n"
            text += "model\t\t: \((number >> 4) & 0xff)\nstepping\t: \(number & 0xf)\nmicrocode\t: 0x\(String(number / 2, radix: 16))\n\n"
        }
        let host = try HostCPUs(cpuinfo: Array(text.utf8), path: "cpuinfo")
        let started = ContinuousClock.now
        let groups = host.groups
        let mixed = host.mixedRevisions
        let targets = host.targets
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(groups.count == count)
        #expect(mixed.isEmpty)
        #expect(targets.count == count)

        // One signature, a revision per pair of CPUs: one mixed entry in CPU order.
        let same = try HostCPUs(cpuinfo: Array(text.replacingFamilyModelStepping().utf8), path: "cpuinfo")
        let entry = try #require(same.mixedRevisions.first)
        #expect(same.mixedRevisions.count == 1)
        #expect(entry.revisions.count == count / 2)
        #expect(entry.revisions.prefix(2).map(\.cpus) == [[0, 1], [2, 3]])
        #expect(same.groups.count == count / 2)
    }
}

extension String {
    /// Every CPU made a 06-55-04.
    fileprivate func replacingFamilyModelStepping() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("cpu family") { return "cpu family\t: 6" }
            if line.hasPrefix("model\t") { return "model\t\t: 85" }
            if line.hasPrefix("stepping") { return "stepping\t: 4" }
            return String(line)
        }.joined(separator: "\n")
    }
}

/// Found by the hostile corpus (cpio/nul-padding-then-truncated): a header
/// cut short after zero padding, at an aligned offset, was reported as a
/// header "at an offset that is not a multiple of 4".
@Suite("Hostile-corpus regressions")
struct HostileCorpusRegressionTests {
    @Test func truncatedHeaderAfterPaddingIsCalledTruncated() throws {
        func field(_ value: Int) -> [UInt8] { Array(Hex.padded(String(value, radix: 16), to: 8).utf8) }
        func newc(_ name: String, mode: Int) -> [UInt8] {
            var bytes = Array("070701".utf8)
            for value in [1, mode, 0, 0, 1, 0, 0, 0, 0, 0, 0, name.utf8.count + 1, 0] { bytes += field(value) }
            bytes += Array(name.utf8) + [0]
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        let archive = newc("kernel", mode: 0o40755) + newc("TRAILER!!!", mode: 0)
        let image = archive + [UInt8](repeating: 0, count: 12) + archive.prefix(55)
        let scratch = try HostileScratch()
        try HostileFabricate.write(image, to: scratch.file("initrd"))
        let file = try ImageFile(path: scratch.file("initrd"))
        let error = try #require(throws: InputError.self) { try BootImage.read(file) }
        #expect(error.offset == archive.count + 12)
        #expect(error.problem == .archive(.truncatedHeader(left: 55)))
        #expect(error.reason == "truncated cpio header: 55 bytes left, a header has 110")
    }
}
