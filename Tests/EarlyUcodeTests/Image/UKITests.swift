import Foundation
import Testing

@testable import EarlyUcode

/// Unified kernel images made here (EFIFixture.uki): `.linux` a bzImage,
/// `.ucode` the archive `build` writes, `.initrd` a gzip'd main archive.
@Suite("Unified kernel images", .enabled(if: LoaderBinaryFixture.hasTool("gzip"), "gzip is not installed"))
struct UKITests {
    static let debian12Version = "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)"

    struct World {
        let tmp: TemporaryDirectory
        let firmware: String
        let early: [UInt8]
        let initrd: [UInt8]

        init() throws {
            tmp = try TemporaryDirectory("uki")
            firmware = try EFIFixture.firmware(in: tmp)
            early = try ImageFixture.builtArchive(firmware: firmware, cpus: [0xa00f11]).bytes()
            initrd = try LoaderBinaryFixture.gzip(ImageFixture.mainCPIO(bulk: 2000))
        }

        /// A kernel of `version` whose payload holds `table` (nil: none, as 6.1).
        func kernel(version: String = UKITests.debian12Version, table: [PatchDigest]? = nil) throws -> [UInt8] {
            var header = LoaderBinaryFixture.Header()
            header.version = version
            return LoaderBinaryFixture.bzImage(payload: try LoaderBinaryFixture.kernelPayload(LoaderBinaryFixture.vmlinux(table: table), .gzip),
                                               header: header)
        }

        func write(_ bytes: [UInt8], _ name: String = "uki.efi") throws -> String {
            try ImageFixture.write(bytes, to: tmp.file(name))
            return tmp.file(name)
        }
    }

    @Test func inspectReadsUcodeThenInitrdAsTheStubHandsThem() throws {
        let world = try World()
        // 6655 bytes of .ucode: the stub pads it to 6656 before .initrd.
        let early = Array(world.early) + [0, 0, 0]
        let path = try world.write(EFIFixture.uki(linux: try world.kernel(), initrd: world.initrd, ucode: early))
        let uki = try UnifiedKernelImage.read(path: path)
        #expect(uki.parts == [UnifiedKernelImage.Part(section: ".ucode", offset: 0, size: early.count),
                              UnifiedKernelImage.Part(section: ".initrd", offset: (early.count + 3) / 4 * 4, size: world.initrd.count)])
        #expect(uki.uname == "6.12.117+deb13-amd64" && uki.osRelease == "Debian GNU/Linux 13 (trixie)" && uki.cmdline == "console=ttyS0")

        let result = InProcess.run(["inspect", path, "--cpu", "0xa00f11"])
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdoutText
        #expect(text.contains("unified kernel image: 7 sections (.text .osrel .cmdline .uname .linux .initrd .ucode)"))
        #expect(text.contains("  .linux: ") && text.contains("Linux 6.1.0-57-amd64"))
        #expect(text.contains("  kernel/x86/microcode/AuthenticAMD.bin: "))
        #expect(text.contains("main archive: gzip at offset \((early.count + 3) / 4 * 4)"))
        #expect(text.contains("linux 6.1.192 (\(path):.linux): 0xa0011d5"), "\(text)")

        let json = InProcess.run(["inspect", path, "--cpu", "0xa00f11", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let report = try #require(object["uki"] as? [String: Any])
        #expect((report["initrdParts"] as? [[String: Any]])?.map { $0["section"] as? String } == [".ucode", ".initrd"])
        let loads = try #require(object["loads"] as? [[String: Any]])
        let predictions = try #require(loads.first?["predictions"] as? [[String: Any]])
        #expect(predictions.map { $0["takes"] as? String } == ["0xa0011d5"])
        #expect(predictions.map { $0["version"] as? String } == ["6.1.192"])
    }

    /// The versioned model of the UKI's own kernel: a 6.12 whose digest
    /// list lacks the patch refuses it.
    @Test func ownKernelsDigestListDecides() throws {
        let world = try World()
        let kernel = try world.kernel(version: LoaderBinaryFixture.debian13Version, table: LoaderBinaryFixture.table())
        let path = try world.write(EFIFixture.uki(linux: kernel, initrd: nil, ucode: world.early))
        let result = InProcess.run(["inspect", path, "--cpu", "0xa00f11"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("linux 6.12.117 (\(path):.linux): "))
        #expect(result.stdoutText.contains("not in Linux 6.12.117's list"), "\(result.stdoutText)")
    }

    @Test func withoutUcodeOnlyTheInitrdsFrontCounts() throws {
        let world = try World()
        let path = try world.write(EFIFixture.uki(linux: try world.kernel(), initrd: world.initrd, ucode: nil))
        let result = InProcess.run(["inspect", path, "--cpu", "0xa00f11", "--no-loaders"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("  .ucode: none"))
        #expect(result.stdoutText.contains("early archives: none"))
    }

    @Test func damagedUcodeIsOneLineAtItsFileOffset() throws {
        let world = try World()
        // A newc header cut short in the middle of .ucode.
        let cut = Array(world.early.prefix(200))
        let image = EFIFixture.uki(linux: try world.kernel(), initrd: nil, ucode: cut)
        let path = try world.write(image)
        let uki = try UnifiedKernelImage.read(path: path)
        let start = try #require(uki.ucode).fileRange.lowerBound
        let result = InProcess.run(["inspect", path, "--cpu", "0xa00f11", "--no-loaders"])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        let line = try #require(result.stderrLines.first)
        #expect(line.hasPrefix("early-ucode: error: \(path): offset "))
        #expect(line.contains("of the initrd systemd-stub builds (.ucode, which starts at its offset 0)"), "\(line)")
        // The offset named is a file offset inside .ucode.
        let digits = line.split(separator: " ")[4]
        let offset = try #require(Int(digits))
        #expect((start..<(start + cut.count)).contains(offset), "\(offset) not in .ucode at \(start)")
    }

    @Test func aPEWithoutLinuxIsNotAUKI() throws {
        let world = try World()
        let path = try world.write(EFIFixture.xenEFI(version: EFIFixture.xen417), "xen.efi")
        let result = InProcess.run(["inspect", path, "--cpu", "0xa00f11", "--no-loaders"])
        #expect(result.status == 1)
        #expect(result.stderrLines == ["early-ucode: error: \(path): offset 0 (0x0): a PE image without a .linux section: not a unified kernel image (sections: .text)"])
    }
}
