import Foundation

/// What a child process did.
struct ProcessResult: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Non-empty stderr lines.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs `executable` with `arguments`; output goes to files (not pipes) so
/// a chatty child never blocks. `environment` replaces the inherited one
/// when given; `removing` drops variables from the inherited one.
func run(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    removing: [String] = [],
    in directory: String? = nil
) throws -> ProcessResult {
    let tmp = try TemporaryDirectory("early-ucode-run")
    let outPath = tmp.file("stdout"), errPath = tmp.file("stderr")
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    defer {
        try? out.close()
        try? err.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = environment ?? ProcessInfo.processInfo.environment
    for name in removing { env[name] = nil }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: try Fabricate.read(outPath),
        stderr: String(decoding: try Fabricate.read(errPath), as: UTF8.self))
}

func isExecutable(_ path: String) -> Bool {
    FileManager.default.isExecutableFile(atPath: path)
}
