import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// `build` writes only the file it is told to, never through a link
/// someone left at one of the names it uses, and runs on one output
/// serialize. In-process, except the parallel runs: the lock is between
/// processes.
@Suite("Output safety")
struct OutputSafetyTests {
    /// Twenty CPUs, one update file each, so every `--cpu` gives another archive.
    static let signatures: [UInt32] = (0..<20).map { 0x50650 + UInt32($0) * 0x100 }

    static func firmware(_ scratch: HostileScratch) throws -> String {
        let dir = try scratch.directory("firmware")
        for signature in signatures {
            try HostileFabricate.write(HostileFabricate.intelUpdate(signature: signature), to: dir + "/" + String(signature, radix: 16))
        }
        return dir
    }

    static func arguments(_ firmware: String, cpu: UInt32 = 0x50650, to output: String) -> [String] {
        ["build", "--cpu", Hex.word(cpu) + ",0x01", "--firmware-dir", firmware, "-o", output]
    }

    static func build(_ firmware: String, cpu: UInt32 = 0x50650, to output: String) -> InProcess.Result {
        InProcess.run(arguments(firmware, cpu: cpu, to: output))
    }

    /// A file outside the output folder that a link tries to get written.
    static func victim(_ scratch: HostileScratch) throws -> String {
        let path = try scratch.directory("elsewhere") + "/victim"
        try HostileFabricate.write(Array("keep me".utf8), to: path)
        return path
    }

    @Test func refusesASymlinkAtTheOutput() throws {
        let scratch = try HostileScratch()
        let firmware = try Self.firmware(scratch)
        let out = try scratch.directory("out")
        let victim = try Self.victim(scratch)
        try FileManager.default.createSymbolicLink(atPath: out + "/early.cpio", withDestinationPath: victim)
        let outcome = Self.build(firmware, to: out + "/early.cpio")
        #expect(outcome.status == 1)
        #expect(outcome.stderrLines.count == 1)
        #expect(outcome.stderrLines.first?.contains("symbolic link") == true, "\(outcome.stderr)")
        #expect(HostileFabricate.read(victim) == Array("keep me".utf8))
        #expect(FileIO.kind(out + "/early.cpio") == .symlink, "the link itself is left alone")
    }

    /// A link (or anything) at the temporary name is removed, not followed:
    /// the new file is created with O_EXCL in the output's folder.
    @Test func neverFollowsALinkAtTheTemporaryName() throws {
        let scratch = try HostileScratch()
        let firmware = try Self.firmware(scratch)
        let out = try scratch.directory("out")
        let victim = try Self.victim(scratch)
        try FileManager.default.createSymbolicLink(atPath: out + "/early.cpio.tmp", withDestinationPath: victim)
        let outcome = Self.build(firmware, to: out + "/early.cpio")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(HostileFabricate.read(victim) == Array("keep me".utf8))
        #expect(FileIO.kind(out + "/early.cpio") == .regular)
        #expect(try scratch.contents("out") == [".early.cpio.lock", "early.cpio"])
    }

    @Test func refusesALinkOrFIFOAtTheLock() throws {
        let scratch = try HostileScratch()
        let firmware = try Self.firmware(scratch)
        let out = try scratch.directory("out")
        let victim = try Self.victim(scratch)
        try FileManager.default.createSymbolicLink(atPath: out + "/.early.cpio.lock", withDestinationPath: victim)
        let linked = Self.build(firmware, to: out + "/early.cpio")
        #expect(linked.status == 1)
        #expect(linked.stderrLines.count == 1, "\(linked.stderr)")
        #expect(HostileFabricate.read(victim) == Array("keep me".utf8))

        unlink(out + "/.early.cpio.lock")
        #expect(mkfifo(out + "/.early.cpio.lock", 0o600) == 0)
        let fifo = Self.build(firmware, to: out + "/early.cpio")
        #expect(fifo.status == 1)
        #expect(fifo.stderrLines == ["early-ucode: error: \(out)/.early.cpio.lock: lock file exists and is not a regular file; remove it"])
        #expect(fifo.seconds < 5, "must not hang on the FIFO")
        #expect(try scratch.contents("out") == [".early.cpio.lock"])
    }

    @Test func refusesAFolderAtTheOutput() throws {
        let scratch = try HostileScratch()
        let firmware = try Self.firmware(scratch)
        let out = try scratch.directory("out")
        try scratch.directory("out/early.cpio")
        let outcome = Self.build(firmware, to: out + "/early.cpio")
        #expect(outcome.status == 1)
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(try scratch.contents("out/early.cpio").isEmpty)
    }

    /// Twenty runs at once on one output, each for another CPU: all succeed,
    /// and what is left is exactly one run's archive, whole, with no
    /// temporary file beside it. Without the lock two runs would share
    /// `early.cpio.tmp` and interleave.
    @Test func twentyParallelRunsSerialize() throws {
        let scratch = try HostileScratch()
        let firmware = try Self.firmware(scratch)
        let alone = try scratch.directory("alone")
        var expected: [[UInt8]] = []
        for signature in Self.signatures {
            let path = alone + "/" + String(signature, radix: 16) + ".cpio"
            let outcome = Self.build(firmware, cpu: signature, to: path)
            try #require(outcome.status == 0, "\(outcome.stderr)")
            expected.append(try #require(HostileFabricate.read(path)))
        }
        #expect(Set(expected).count == Self.signatures.count, "each CPU gives another archive")

        let out = try scratch.directory("out")
        let running = try Self.signatures.map { signature in
            try EarlyUcodeBinary.start(Self.arguments(firmware, cpu: signature, to: out + "/early.cpio"), in: out)
        }
        let outcomes = try running.map { try $0.wait() }
        for (index, outcome) in outcomes.enumerated() {
            #expect(outcome.status == 0 && !outcome.signalled, "run \(index): \(outcome.stderr)")
            #expect(outcome.stderrLines.isEmpty, "run \(index): \(outcome.stderr)")
        }
        let final = try #require(HostileFabricate.read(out + "/early.cpio"))
        #expect(expected.contains(final), "the archive is one run's, whole")
        #expect(try scratch.contents("out") == [".early.cpio.lock", "early.cpio"], "no temporary file left")
    }
}
