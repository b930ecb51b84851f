import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// What the hardening tests need, under names of their own (the rest of
/// the suite has its own builders and runners, changed by others).
enum HostileFabricate {
    /// One valid Intel update: 48-byte header, data, checksum right,
    /// 1024 bytes in all.
    static func intelUpdate(signature: UInt32, revision: UInt32 = 0x10, platforms: UInt32 = 0x01) -> [UInt8] {
        var words: [UInt32] = [1, revision, 0x0306_2023, signature, 0, 1, platforms, 976, 1024, 0, 0, 0]
        for index in 0..<(976 / 4) { words.append(UInt32(truncatingIfNeeded: index) &* 0x9E37_79B9 ^ signature) }
        words[4] = 0 &- words.reduce(0, &+)
        return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
    }

    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw HostileTestError("cannot create \(path)")
        }
        try setMode(path, mode)
    }

    static func setMode(_ path: String, _ mode: mode_t) throws {
        guard chmod(path, mode) == 0 else { throw HostileTestError("chmod \(path): errno \(errno)") }
    }

    static func setOwner(_ path: String, uid: uid_t) throws {
        guard lchown(path, uid, gid_t(bitPattern: -1)) == 0 else { throw HostileTestError("chown \(path): errno \(errno)") }
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}

struct HostileTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A private folder (mode 0700, root's when the tests run as root) under
/// the temporary directory, removed at the end.
final class HostileScratch: @unchecked Sendable {
    let path: String

    init() throws {
        var base = NSTemporaryDirectory()
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array((base + "/early-ucode-hardening.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base)
        }
        guard let made else {
            throw HostileTestError("mkdtemp: errno \(errno)")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func directory(_ name: String, mode: mode_t = 0o755) throws -> String {
        let dir = file(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try HostileFabricate.setMode(dir, mode)
        return dir
    }

    /// Names in the folder, hidden ones included, sorted.
    func contents(_ name: String? = nil) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: name.map(file) ?? path).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The built `early-ucode`, run as a separate process.
enum HardeningCLI {
    /// The package root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: String? = {
        let candidates = [
            packageRoot.appendingPathComponent(".build/debug/early-ucode").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("early-ucode").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isRoot: Bool { geteuid() == 0 }

    struct Outcome: Sendable {
        var status: Int32
        /// Killed by a signal rather than exiting.
        var signalled: Bool
        var stdout: [UInt8]
        var stderr: String
        var seconds: Double

        /// Non-empty lines of standard error.
        var errorLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    }

    /// Starts `early-ucode arguments` with output in files (a pipe could
    /// block a chatty child) and no SOURCE_DATE_EPOCH from outside.
    static func start(_ arguments: [String], in directory: String, outputs: String) throws -> Process {
        let binary = try #require(binary)
        _ = FileManager.default.createFile(atPath: outputs + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: outputs + ".err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SOURCE_DATE_EPOCH"] = nil
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputs + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outputs + ".err"))
        try process.run()
        return process
    }

    static func finish(_ process: Process, outputs: String, started: ContinuousClock.Instant) -> Outcome {
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let outcome = Outcome(
            status: process.terminationStatus,
            signalled: process.terminationReason == .uncaughtSignal,
            stdout: HostileFabricate.read(outputs + ".out") ?? [],
            stderr: String(decoding: HostileFabricate.read(outputs + ".err") ?? [], as: UTF8.self),
            seconds: seconds)
        unlink(outputs + ".out")
        unlink(outputs + ".err")
        return outcome
    }

    /// Runs one command to the end. Its stdout and stderr go to files in a
    /// scratch folder of their own, never in `directory`, so tests can
    /// check what the command left there.
    static func run(_ arguments: [String], in directory: String) throws -> Outcome {
        let logs = try HostileScratch()
        let started = ContinuousClock.now
        let process = try start(arguments, in: directory, outputs: logs.file("log"))
        return finish(process, outputs: logs.file("log"), started: started)
    }
}
