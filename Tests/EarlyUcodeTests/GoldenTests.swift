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

@Suite("Golden files")
struct GoldenTests {
    /// Each `--json` report, byte for byte.
    @Test(arguments: GoldenReport.all)
    func report(_ report: GoldenReport) throws {
        let result = try report.run()
        try GoldenFile.check(result.stdout, against: report.file, producedBy: report.commandLine)
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
