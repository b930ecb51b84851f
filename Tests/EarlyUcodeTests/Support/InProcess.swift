import EarlyUcodeCLI
import Foundation

/// Runs early-ucode's commands in this process, as the binary runs them
/// (`EarlyUcodeCommand.run(_:in:)`: parsing, help, usage errors, exit
/// statuses), against captured output streams. What only a process shows
/// (signals, a closed standard output, file descriptors) stays in the
/// subprocess tests.
enum InProcess {
    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        /// How long the command took.
        var seconds: Double

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        /// Non-empty stderr lines.
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// `environment` is the whole environment the command sees (nothing is
    /// inherited, so SOURCE_DATE_EPOCH and friends are only what a test
    /// sets); `root` is where /proc, /etc, /boot and /lib/firmware are.
    static func run(_ arguments: [String], environment: [String: String] = [:], root: String = "/") -> Result {
        let out = CapturedStream(name: "standard output")
        let err = CapturedStream(name: "standard error")
        let context = CommandContext(standardOutput: out, standardError: err, environment: environment, root: root)
        let started = ContinuousClock.now
        let status = EarlyUcodeCommand.run(arguments, in: context)
        let elapsed = ContinuousClock.now - started
        return Result(status: status, stdout: out.bytes, stderr: err.text,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
