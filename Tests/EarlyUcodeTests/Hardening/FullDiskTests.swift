import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs of its own for one test, mounted in a temporary folder and
/// unmounted (the folder then removed) when the value goes, whether the
/// test passed, failed or threw.
final class SmallFileSystem {
    private let directory: TemporaryDirectory
    let path: String
    private var mounted = false

    init(size: String = "64k") throws {
        directory = try TemporaryDirectory("full-disk")
        path = try directory.directory("fs")
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(size),mode=0755") == 0 else {
            throw HostileTestError("mount -t tmpfs -o size=\(size) tmpfs \(path): \(String(cString: strerror(errno)))")
        }
        mounted = true
    }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    deinit {
        guard mounted else { return }
        // Lazily when something still holds it open: the folder must not stay a mount point.
        if umount2(path, 0) != 0 && umount2(path, Int32(MNT_DETACH)) != 0 {
            Issue.record("cannot unmount \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Writing into a full file system: one line naming the file being written
/// and the operating system's reason, status 1, nothing left but the lock
/// (which is always left). libarchive only knows that its write callback
/// failed; the sink's own error is what is reported.
@Suite("Full file system", .enabled(if: HostileFabricate.isRoot, "mounting a tmpfs needs root"))
struct FullDiskTests {
    /// Four Intel updates of 32 KiB, for four CPUs: a 128 KiB archive, twice
    /// the file system.
    static func firmware(_ tmp: TemporaryDirectory) throws -> String {
        let intel = try tmp.directory("firmware/intel-ucode")
        for stepping: UInt32 in 4...7 {
            try Fabricate.write(Fabricate.intelUpdate(signature: 0x50650 | stepping, dataSize: 32 * 1024 - 48),
                                to: intel + "/06-55-0\(stepping)")
        }
        return tmp.file("firmware")
    }

    @Test func build() throws {
        let tmp = try TemporaryDirectory()
        let firmware = try Self.firmware(tmp)
        let full = try SmallFileSystem()
        let output = full.path + "/x.cpio"
        let result = InProcess.run(["build", "--all", "-o", output, "--firmware-dir", firmware])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "\(result.stdoutText)")
        #expect(result.stderrLines == ["early-ucode: error: \(output).tmp: cannot write: No space left on device"], "\(result.stderr)")
        #expect(try full.contents() == [".x.cpio.lock"], "neither x.cpio nor x.cpio.tmp")
    }

    /// `rebuild -o OUT` into the full file system, and in place on an image
    /// that lives there: the image is left as it was, with no backup.
    @Test(arguments: [false, true])
    func rebuild(inPlace: Bool) throws {
        let tmp = try TemporaryDirectory()
        let firmware = try Self.firmware(tmp)
        let full = try SmallFileSystem()
        let original = ImageFixture.mainCPIO()
        let image = inPlace ? full.path + "/initrd.img" : tmp.file("initrd.img")
        try Fabricate.write(original, to: image)
        let output = inPlace ? image : full.path + "/new.img"
        let result = InProcess.run(["rebuild", image, "--all", "--firmware-dir", firmware] + (inPlace ? [] : ["-o", output]))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "\(result.stdoutText)")
        #expect(result.stderrLines == ["early-ucode: error: \(output).tmp: cannot write: No space left on device"], "\(result.stderr)")
        #expect(try Fabricate.read(image) == original)
        #expect(try full.contents() == (inPlace ? [".initrd.img.lock", "initrd.img"] : [".new.img.lock"]))
    }
}
