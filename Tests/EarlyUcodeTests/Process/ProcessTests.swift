import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What only a process shows, on the real binary: the exit status, that no
/// signal ended it, exactly one error line on standard error and nothing on
/// standard output, usage errors' 64, a closed standard output. Everything
/// else about the commands is tested in-process (`InProcess`, CLITests).
///
/// The binary is the one `swift test` built beside this test bundle
/// (`EarlyUcodeBinary`); when it is missing these tests fail, saying where
/// it should be, instead of switching themselves off.
@Suite("Process")
struct ProcessTests {
    /// A firmware folder with one update (06-55-04) and the folder the runs work in.
    static func setUp(_ tmp: TemporaryDirectory) throws -> (firmware: String, work: String) {
        let intel = try tmp.directory("firmware/intel-ucode")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x2007006, signature: 0x50654, platforms: 0xb7), to: intel + "/06-55-04")
        return (tmp.file("firmware"), try tmp.directory("work"))
    }

    @Test func successExitsZero() throws {
        let tmp = try TemporaryDirectory()
        let (firmware, work) = try Self.setUp(tmp)
        let result = try EarlyUcodeBinary.run(["build", "--all", "-o", work + "/early.cpio", "--firmware-dir", firmware], in: work)
        #expect(result.status == 0 && !result.signalled, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let size = try Fabricate.read(work + "/early.cpio").count
        #expect(result.stdoutText.split(separator: "\n").first == "wrote \(work)/early.cpio: \(size) bytes")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).sorted() == [".early.cpio.lock", "early.cpio"])
    }

    /// A malformed input: status 1, one `early-ucode: error:` line naming
    /// the file and offset, nothing on standard output, nothing written.
    @Test func errorIsOneLineOnStandardErrorAndNothingElse() throws {
        let tmp = try TemporaryDirectory()
        let (firmware, work) = try Self.setUp(tmp)
        var bad = Fabricate.intelUpdate(revision: 1, signature: 0x906ea)
        Fabricate.setLE32(&bad, at: Fabricate.IntelField.totalSize, 3000)
        try Fabricate.write(bad, to: firmware + "/intel-ucode/06-9e-0a")
        let result = try EarlyUcodeBinary.run(["build", "--all", "-o", work + "/early.cpio", "--firmware-dir", firmware], in: work)
        #expect(result.status == 1 && !result.signalled, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdoutText)")
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderrLines.first?.hasPrefix("early-ucode: error: \(firmware)/intel-ucode/06-9e-0a: offset 32 (0x20): ") == true,
                "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
    }

    @Test func mixedRevisionsExitThree() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Fabricate.cpuinfo([.init(number: 0, microcode: "0x2007006"), .init(number: 1, microcode: "0x2006e05")]),
                            to: tmp.file("cpuinfo"))
        let result = try EarlyUcodeBinary.run(["detect", "--cpuinfo", tmp.file("cpuinfo"), "--sysfs", tmp.file("none")], in: tmp.path)
        #expect(result.status == 3 && !result.signalled, "\(result.stderr)")
        #expect(result.stdoutText.split(separator: "\n").count == 2)
        #expect(result.stderrLines.count == 1 && result.stderrLines.first?.hasPrefix("early-ucode: warning: ") == true, "\(result.stderr)")
    }

    /// Run in an empty folder, where `build` would write its default
    /// `early-ucode.cpio`: nothing may be written there.
    @Test(arguments: [
        ["build", "--all", "--cpu", "0x50654"],
        ["build", "--cpu", "banana"],
        ["build", "--vendor", "via"],
        ["build", "--exclude", "0x50654,zz"],
        ["build", "--json", "-o", "-"],
        ["build", "--no-such-option"],
        ["frobnicate"],
    ])
    func usageErrorsExit64(_ arguments: [String]) throws {
        let tmp = try TemporaryDirectory()
        let (firmware, work) = try Self.setUp(tmp)
        let result = try EarlyUcodeBinary.run(arguments + ["--firmware-dir", firmware], in: work)
        #expect(result.status == 64 && !result.signalled, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "nothing written")
    }

    /// `build -o -` into a pipe nobody reads, SIGPIPE ignored (as under a
    /// supervisor that ignores it): EPIPE is one error line and status 1,
    /// not a crash.
    @Test func closedPipeOnStandardOutput() throws {
        let tmp = try TemporaryDirectory()
        let (firmware, work) = try Self.setUp(tmp)
        let pipe = Pipe()
        try pipe.fileHandleForReading.close()
        defer { try? pipe.fileHandleForWriting.close() }
        let result = try ChildProcess("/bin/sh", ["-c", "trap '' PIPE; exec \"$0\" \"$@\"", try EarlyUcodeBinary.required(),
                                                  "build", "--all", "-o", "-", "--firmware-dir", firmware],
                                      environment: [:], in: work, standardOutput: pipe.fileHandleForWriting).wait()
        #expect(result.status == 1 && !result.signalled, "\(result.stderr)")
        #expect(result.stderrLines == ["early-ucode: error: standard output: cannot write: Broken pipe"], "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty)
    }

    /// No standard output at all (`>&-`): the archive cannot be written, one
    /// error line; a text report has nowhere to go and is not an error.
    @Test func closedStandardOutput() throws {
        let tmp = try TemporaryDirectory()
        let (firmware, work) = try Self.setUp(tmp)
        let binary = try EarlyUcodeBinary.required()
        let closed = "exec \"$0\" \"$@\" >&-"
        let build = try run("/bin/sh", ["-c", closed, binary, "build", "--all", "-o", "-", "--firmware-dir", firmware], environment: [:], in: work)
        #expect(build.status == 1 && !build.signalled, "\(build.stderr)")
        #expect(build.stderrLines == ["early-ucode: error: standard output: cannot write: Bad file descriptor"], "\(build.stderr)")
        let list = try run("/bin/sh", ["-c", closed, binary, "list", "--all", "--firmware-dir", firmware], environment: [:], in: work)
        #expect(list.status == 0 && !list.signalled, "\(list.stderr)")
        #expect(list.stderr.isEmpty)
    }
}
