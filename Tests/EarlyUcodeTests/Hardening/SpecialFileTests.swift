import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs that are not regular files: refused at once with one line,
/// never waited on (a FIFO's open blocked until a writer came).
@Suite("Special files as inputs")
struct SpecialFileTests {
    enum Input: String, CaseIterable, Sendable {
        case fifo, device, directory
    }

    static func make(_ input: Input, in scratch: HostileScratch) throws -> String {
        switch input {
        case .fifo:
            let path = scratch.file("fifo")
            try #require(mkfifo(path, 0o644) == 0)
            return path
        case .device:
            return "/dev/zero"
        case .directory:
            return try scratch.directory("folder")
        }
    }

    @Test(arguments: Input.allCases)
    func asCpuinfo(_ input: Input) throws {
        let scratch = try HostileScratch()
        let path = try Self.make(input, in: scratch)
        let outcome = InProcess.run(["detect", "--cpuinfo", path, "--sysfs", "/nonexistent"])
        #expect(outcome.status == 1)
        #expect(outcome.stderrLines == ["early-ucode: error: \(path): not a regular file"] || input == .directory, "\(outcome.stderr)")
        #expect(outcome.stderrLines.count == 1, "\(outcome.stderr)")
        #expect(outcome.seconds < 5)
    }

    @Test(arguments: [Input.fifo, .device])
    func asMicrocodeFile(_ input: Input) throws {
        let scratch = try HostileScratch()
        let path = try Self.make(input, in: scratch)
        let outcome = InProcess.run(["build", "--all", "-o", scratch.file("out.cpio"), path])
        #expect(outcome.status == 1)
        #expect(outcome.stderrLines == ["early-ucode: error: \(path): not a regular file"], "\(outcome.stderr)")
        #expect(outcome.seconds < 5)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.cpio")))
    }

    @Test(arguments: [Input.fifo, .device, .directory])
    func asImage(_ input: Input) throws {
        let scratch = try HostileScratch()
        let path = try Self.make(input, in: scratch)
        for command in [["inspect", "--no-loaders", "--cpu", "0x50654,0x01", path], ["rebuild", "--none", path]] {
            let outcome = InProcess.run(command)
            #expect(outcome.status == 1, "\(command[0]): \(outcome.stderr)")
            #expect(outcome.stderrLines.count == 1, "\(command[0]): \(outcome.stderr)")
            #expect(outcome.seconds < 5, "\(command[0]) must not wait on \(input)")
        }
    }

    /// In a firmware folder a FIFO is skipped like any non-file, and the
    /// rest is built.
    @Test func fifoInAFirmwareFolderIsSkipped() throws {
        let scratch = try HostileScratch()
        let dir = try scratch.directory("intel-ucode")
        try HostileFabricate.write(HostileFabricate.intelUpdate(signature: 0x50654), to: dir + "/06-55-04")
        try #require(mkfifo(dir + "/06-55-05", 0o644) == 0)
        let outcome = InProcess.run(["build", "--all", "-o", scratch.file("out.cpio"), dir])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.seconds < 5)
        #expect(FileManager.default.fileExists(atPath: scratch.file("out.cpio")))
    }
}
