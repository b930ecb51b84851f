import Foundation
import Testing

@testable import EarlyUcode

/// What the commands print comes partly from their inputs: a vendor_id in
/// cpuinfo, member names in an image. Control characters in those are
/// shown escaped, so an input cannot clear the screen, retitle the
/// terminal or fake an extra line.
@Suite("Terminal safety")
struct TerminalSafetyTests {
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 != "\n" && OneLine.needsEscape($0) }
    }

    @Test func detectEscapesTheVendor() throws {
        let scratch = try HostileScratch()
        let cpuinfo = "processor\t: 0\nvendor_id\t: Genuine\u{1B}]0;owned\u{07}Intel\ncpu family\t: 6\nmodel\t\t: 85\nstepping\t: 4\n\n"
        try HostileFabricate.write(Array(cpuinfo.utf8), to: scratch.file("cpuinfo"))
        let outcome = InProcess.run(["detect", "--cpuinfo", scratch.file("cpuinfo"), "--sysfs", "/nonexistent"])
        let text = String(decoding: outcome.stdout, as: UTF8.self)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!Self.hasControl(text) && !Self.hasControl(outcome.stderr), "\(text.debugDescription)")
        #expect(text.contains("Genuine\\u{1b}]0;owned\\u{7}Intel"), "\(text.debugDescription)")
    }

    @Test func inspectEscapesMemberNames() throws {
        let scratch = try HostileScratch()
        func newc(_ name: [UInt8], mode: Int, data: [UInt8] = []) -> [UInt8] {
            var bytes = Array("070701".utf8)
            for value in [1, mode, 0, 0, 1, 0, data.count, 0, 0, 0, 0, name.count + 1, 0] {
                bytes += Array(Hex.padded(String(value, radix: 16), to: 8).utf8)
            }
            bytes += name + [0]
            while bytes.count % 4 != 0 { bytes.append(0) }
            bytes += data
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        let hostileName = Array("kernel/firmware\u{1B}[2J\nearly-ucode: all fine".utf8)
        let image = newc(hostileName, mode: 0o100644, data: Array("acpi".utf8)) + newc(Array("TRAILER!!!".utf8), mode: 0)
        try HostileFabricate.write(image, to: scratch.file("initrd"))
        let outcome = InProcess.run(["inspect", "--no-loaders", "--cpu", "0x50654,0x01", scratch.file("initrd")])
        let text = String(decoding: outcome.stdout, as: UTF8.self)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!Self.hasControl(text) && !Self.hasControl(outcome.stderr), "\(text.debugDescription)")
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("early-ucode: all fine") }, "a name must not start a line of its own")
    }
}
