import Foundation
import Testing

@testable import EarlyUcode

/// One `--json` report with a golden file: a command run in a fresh
/// `GoldenWorld`.
struct GoldenReport: Sendable, CustomTestStringConvertible {
    var file: String
    /// `$ROOT` is the world's root.
    var arguments: [String]
    var status: Int32

    var testDescription: String { file }
    var commandLine: String { (["early-ucode"] + arguments).joined(separator: " ") }

    static let all: [GoldenReport] = [
        GoldenReport(file: "detect.json", arguments: ["detect", "--json"], status: 0),
        GoldenReport(file: "list.json", arguments: ["list", "--host", "--cpu", "0xa00f11", "--json"], status: 0),
        GoldenReport(file: "build.json", arguments: ["build", "--host", "--cpu", "0xa00f11", "-o", "$ROOT/early-ucode.cpio", "--json"], status: 0),
        GoldenReport(file: "inspect.json", arguments: ["inspect", GoldenWorld.image, "--host", "--cpu", "0xa00f11", "--json"], status: 0),
        GoldenReport(file: "rebuild.json", arguments: ["rebuild", GoldenWorld.image, "--host", "--cpu", "0xa00f11", "--json"], status: 0),
        // The initrd holds older microcode than the sources: a problem.
        GoldenReport(file: "check.json", arguments: ["check", "--json"], status: 1),
        GoldenReport(file: "grub-status.json", arguments: ["grub", "status", "--json"], status: 0),
        GoldenReport(file: "efi-status.json", arguments: ["efi", "status", "--json"], status: 0),
    ]

    /// The command's standard output, `$ROOT` in place of the world's path.
    func run() throws -> InProcess.Result {
        let world = try GoldenWorld()
        let result = world.run(arguments)
        #expect(result.status == status, "\(commandLine): \(result.stderr)")
        // Nothing of the temporary folder may be left: the golden file would only hold on this machine.
        let folderName = URL(fileURLWithPath: world.root).lastPathComponent
        #expect(!result.stdoutText.contains(folderName), "\(commandLine) printed a path the placeholder missed")
        return result
    }
}

/// The real-firmware golden digest: Debian 12's microcode, where
/// EARLY_UCODE_FIRMWARE names it (CI, scripts/test).
enum GoldenRealFirmware {
    static let root: String? = ProcessInfo.processInfo.environment["EARLY_UCODE_FIRMWARE"].flatMap { $0.isEmpty ? nil : $0 }
    static let packages = "intel-microcode 3.20251111.1~deb12u1 and amd64-microcode 3.20250311.1~deb12u1"

    /// The folder is the shared fixture, whose README names the packages.
    static let isDebianFixture: Bool = {
        guard let root, let readme = try? String(contentsOfFile: root + "/README.md", encoding: .utf8) else { return false }
        return readme.contains("3.20251111.1~deb12u1") && readme.contains("3.20250311.1~deb12u1")
    }()

    static let file = "real-firmware-build.sha256"
    static let arguments = ["build", "--no-config", "--cpu", "0x50654", "--cpu", "0xa00f11", "--firmware-dir", "$EARLY_UCODE_FIRMWARE", "-o", "-"]

    /// The golden file: how it was made, then `sha256sum`'s line.
    static func content(digest: SHA256) -> [UInt8] {
        Array("""
            # SHA-256 of the early archive written by
            #   SOURCE_DATE_EPOCH=\(GoldenWorld.sourceDateEpoch) early-ucode \(arguments.joined(separator: " "))
            # with EARLY_UCODE_FIRMWARE holding Debian 12's \(packages).
            # Checked by Tests/EarlyUcodeTests/Reports/GoldenTests.swift; scripts/regenerate-golden rewrites it.
            \(digest.hex)  early-ucode.cpio

            """.utf8)
    }
}

@Suite("Golden files")
struct GoldenTests {
    /// Each `--json` report, byte for byte.
    @Test(arguments: GoldenReport.all)
    func report(_ report: GoldenReport) throws {
        let result = try report.run()
        try GoldenFile.check(result.stdout, against: report.file, producedBy: report.commandLine)
    }

    /// The archive `build` writes from the generated inputs, byte for byte.
    @Test func buildArchive() throws {
        let world = try GoldenWorld()
        let arguments = ["build", "--host", "--cpu", "0xa00f11", "-o", "$ROOT/early-ucode.cpio"]
        let result = world.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let archive = try Fabricate.read(world.file("early-ucode.cpio"))
        try GoldenFile.check(archive, against: "build.cpio", producedBy: "early-ucode " + arguments.joined(separator: " "))
        // The size build reports is this file's.
        #expect(result.stdoutText.contains("wrote $ROOT/early-ucode.cpio: \(archive.count) bytes"))
    }

    /// `build` for 0x50654 and 0xa00f11 on Debian 12's real microcode: its SHA-256.
    @Test(.enabled(if: GoldenRealFirmware.root != nil,
                   "EARLY_UCODE_FIRMWARE is not set: the real-firmware golden digest (Debian 12's microcode) is not checked"),
          .enabled(if: GoldenRealFirmware.isDebianFixture,
                   "EARLY_UCODE_FIRMWARE is not the folder of Debian 12's \(GoldenRealFirmware.packages) that the golden digest is for"))
    func realFirmwareArchiveDigest() throws {
        let root = try #require(GoldenRealFirmware.root)
        let arguments = GoldenRealFirmware.arguments.map { $0 == "$EARLY_UCODE_FIRMWARE" ? root : $0 }
        let result = InProcess.run(arguments, environment: GoldenWorld.environment)
        #expect(result.status == 0, "\(result.stderr)")
        // Both members: the Intel update for 06-55-04 and the AMD patch for 0xa00f11.
        let names = try Newc.walk(result.stdout).members.map(\.name)
        #expect(names.contains("kernel/x86/microcode/GenuineIntel.bin") && names.contains("kernel/x86/microcode/AuthenticAMD.bin"))
        try GoldenFile.check(GoldenRealFirmware.content(digest: SHA256(of: result.stdout)), against: GoldenRealFirmware.file,
                             producedBy: "early-ucode " + arguments.joined(separator: " "))
    }

    /// docs/json.md's examples are the golden files.
    @Test func docsExamples() throws {
        let path = BootFixtures.packageRoot + DocsExamples.docs
        let docs = try String(contentsOfFile: path, encoding: .utf8)
        var regenerated = docs
        for report in GoldenReport.all {
            guard let range = DocsExamples.region(of: report.file, in: regenerated) else {
                Issue.record("\(DocsExamples.docs) has no example for \(GoldenFile.display(report.file)): put the lines \(DocsExamples.marker(report.file)) and \(DocsExamples.end) in its section and run \(GoldenFile.regenerateCommand)")
                continue
            }
            if GoldenFile.regenerating {
                regenerated.replaceSubrange(range, with: DocsExamples.example(report, json: try report.run().stdout))
                continue
            }
            guard let golden = try GoldenFile.read(report.file) else {
                Issue.record("\(GoldenFile.display(report.file)) is missing: run \(GoldenFile.regenerateCommand)")
                continue
            }
            let expected = DocsExamples.example(report, json: golden)
            let found = String(regenerated[range])
            if found != expected {
                let line = regenerated[..<range.lowerBound].count { $0 == "\n" } + 1
                Issue.record(Comment(rawValue: "\(DocsExamples.docs):\(line): the example for `\(report.commandLine)` is not \(GoldenFile.display(report.file)): run \(GoldenFile.regenerateCommand)\n"
                    + LineDiff.unified(expected: Array(expected.utf8), actual: Array(found.utf8),
                                       expectedName: "from " + GoldenFile.display(report.file), actualName: DocsExamples.docs)))
            }
        }
        for name in DocsExamples.markedFiles(in: docs) where !GoldenReport.all.contains(where: { $0.file == name }) {
            Issue.record("\(DocsExamples.docs) marks an example as \(GoldenFile.display(name)), which no golden test writes")
        }
        if GoldenFile.regenerating && regenerated != docs {
            try Fabricate.write(regenerated, to: path)
            print("regenerated the examples in \(DocsExamples.docs)")
        }
    }

    @Test func diffNamesTheChangedLines() {
        let old = Array("a\nb\nc\nd\ne\nf\ng\nh\n".utf8)
        let new = Array("a\nb\nc\nd\nE\nf\ng\nh\ni\n".utf8)
        #expect(LineDiff.unified(expected: old, actual: new, expectedName: "old", actualName: "new") == """
            --- old
            +++ new
            @@ -2,7 +2,8 @@
             b
             c
             d
            -e
            +E
             f
             g
             h
            +i

            """)
        #expect(LineDiff.unified(expected: Array("x".utf8), actual: Array("x\n".utf8), expectedName: "old", actualName: "new")
            .hasSuffix("-x\n\\ No newline at end of file\n+x\n"))
    }
}

/// The examples in docs/json.md: each is the region from
/// `<!-- golden: FILE -->` to `<!-- /golden -->`, written from the golden file.
enum DocsExamples {
    static let docs = "docs/json.md"
    static let end = "<!-- /golden -->"

    static func marker(_ file: String) -> String { "<!-- golden: \(GoldenFile.display(file)) -->" }

    /// The example's text, marker to end marker.
    static func example(_ report: GoldenReport, json: [UInt8]) -> String {
        let status = report.status == 0 ? "" : " (exit status \(report.status))"
        return """
            \(marker(report.file))
            <details><summary>Example: <code>\(report.commandLine)</code>\(status)</summary>

            ```json
            \(String(decoding: json, as: UTF8.self))```

            </details>
            \(end)
            """
    }

    static func region(of file: String, in docs: String) -> Range<String.Index>? {
        guard let start = docs.range(of: marker(file)), let stop = docs.range(of: end, range: start.upperBound..<docs.endIndex) else { return nil }
        return start.lowerBound..<stop.upperBound
    }

    /// The golden files the markers name.
    static func markedFiles(in docs: String) -> [String] {
        let prefix = "<!-- golden: " + GoldenFile.folder + "/"
        return docs.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(prefix), line.hasSuffix(" -->") else { return nil }
            return String(line.dropFirst(prefix.count).dropLast(4))
        }
    }
}
