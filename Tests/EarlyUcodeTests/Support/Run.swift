import Foundation
import Testing

/// What a child process did.
struct ProcessResult: Sendable {
    var status: Int32
    /// Killed by a signal (`status` is then the signal's number) rather than exiting.
    var signalled: Bool
    var stdout: [UInt8]
    var stderr: String
    /// From start to exit.
    var seconds: Double

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Non-empty stderr lines.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// A started child process. Its output goes to files (not pipes, so a
/// chatty child never blocks) in a temporary folder of its own, never in
/// the child's working folder, so tests can check what the child left
/// there; the folder goes when the value does.
final class ChildProcess {
    private let process = Process()
    private let logs: TemporaryDirectory
    private let started: ContinuousClock.Instant

    /// `environment` replaces the inherited one when given. `standardOutput`
    /// (a pipe whose reading end is closed, say) replaces the file.
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
         in directory: String? = nil, standardOutput: FileHandle? = nil) throws {
        logs = try TemporaryDirectory("early-ucode-run")
        for name in ["stdout", "stderr"] where !FileManager.default.createFile(atPath: logs.file(name), contents: nil) {
            throw ImageFixture.FixtureError("cannot create \(logs.file(name))")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: logs.file("stdout")))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: logs.file("stderr")))
        // The child has its own copies once it runs.
        defer {
            try? out.close()
            try? err.close()
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = standardOutput ?? out
        process.standardError = err
        started = ContinuousClock.now
        try process.run()
    }

    /// A test that stops early (a failed `#require`) must not leave a child
    /// running: it could still be writing in the folders being removed.
    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Waits for the child to end.
    func wait() throws -> ProcessResult {
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - started
        return ProcessResult(
            status: process.terminationStatus,
            signalled: process.terminationReason == .uncaughtSignal,
            stdout: try Fabricate.read(logs.file("stdout")),
            stderr: String(decoding: try Fabricate.read(logs.file("stderr")), as: UTF8.self),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

/// Runs `executable` with `arguments` to the end (see `ChildProcess`).
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, in directory: String? = nil) throws -> ProcessResult {
    try ChildProcess(executable, arguments, environment: environment, in: directory).wait()
}

func isExecutable(_ path: String) -> Bool {
    FileManager.default.isExecutableFile(atPath: path)
}

/// The `early-ucode` binary, for the few tests that need a real process
/// (Process/ProcessTests.swift, the hostile corpus, parallel builds). The
/// rest run the commands in-process (`InProcess`).
///
/// `swift test` builds it beside the test bundle, in
/// `<scratch path>/<triple>/<configuration>/`: that folder is the only
/// place looked at, so a binary left in another build folder (an older
/// `.build/debug`) is never tested by mistake. Tests that need it do not
/// switch themselves off when it is missing: `required()` fails them,
/// saying where it should have been.
enum EarlyUcodeBinary {
    /// The folder of the running test bundle.
    static let folder: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments.first ?? "."
        return URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent().path
    }()

    static let path = folder + "/early-ucode"

    static func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(isExecutable(path),
                     "early-ucode is not built beside the test bundle (\(path)); `swift test` builds it, or run `swift build` first",
                     sourceLocation: sourceLocation)
        return path
    }

    /// The binary with exactly `environment` (nothing inherited, as
    /// `InProcess`), in `directory`.
    static func start(_ arguments: [String], environment: [String: String] = [:], in directory: String,
                      standardOutput: FileHandle? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ChildProcess {
        try ChildProcess(try required(sourceLocation: sourceLocation), arguments, environment: environment, in: directory,
                         standardOutput: standardOutput)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String,
                    standardOutput: FileHandle? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        try start(arguments, environment: environment, in: directory, standardOutput: standardOutput, sourceLocation: sourceLocation).wait()
    }
}
