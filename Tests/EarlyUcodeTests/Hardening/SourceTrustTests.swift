import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// Refusing, as root, microcode that another user could have planted.
/// Needs root: only root can make files owned by someone else.
@Suite("Source trust", .enabled(if: HostileFabricate.isRoot, "needs root to chown"))
struct SourceTrustTests {
    static let nobody: uid_t = 65534

    /// A firmware folder with one valid update, all root's, mode 0755/0644.
    static func firmware(_ scratch: HostileScratch) throws -> (dir: String, file: String) {
        let dir = try scratch.directory("intel-ucode")
        let file = dir + "/06-55-04"
        try HostileFabricate.write(HostileFabricate.intelUpdate(signature: 0x50654), to: file)
        return (dir, file)
    }

    func refusal(_ path: String) -> InputError? {
        do {
            try SourceTrust().check(path)
            return nil
        } catch {
            return error
        }
    }

    @Test func rootOwnedAndNotWritableIsTrusted() throws {
        let scratch = try HostileScratch()
        let (dir, file) = try Self.firmware(scratch)
        #expect(refusal(file) == nil)
        #expect(refusal(dir) == nil)
        // The scratch folder sits in the sticky, world-writable /tmp: allowed.
        #expect(refusal("/tmp") == nil)
    }

    @Test func missingPathIsLeftToTheReader() {
        #expect(refusal("/nonexistent/early-ucode/06-55-04") == nil)
    }

    @Test(arguments: [(mode_t(0o666), "its group and all users"), (0o664, "its group"), (0o646, "all users"), (0o660, "its group")])
    func writableFileIsRefused(mode: mode_t, who: String) throws {
        let scratch = try HostileScratch()
        let (_, file) = try Self.firmware(scratch)
        try HostileFabricate.setMode(file, mode)
        let error = try #require(refusal(file))
        #expect(error.path == file)
        #expect(error.description.contains("it is writable by \(who) (mode \(String(mode, radix: 8)))"), "\(error)")
        #expect(error.description.contains("chmod go-w \(file)"))
        #expect(error.description.contains("--allow-insecure-sources"))
    }

    @Test func fileOwnedByAnotherUserIsRefused() throws {
        let scratch = try HostileScratch()
        let (_, file) = try Self.firmware(scratch)
        try HostileFabricate.setOwner(file, uid: Self.nobody)
        let error = try #require(refusal(file))
        #expect(error.description.contains("owned by uid 65534, not root"), "\(error)")
        #expect(error.description.contains("chown root:root \(file)"))
    }

    @Test func writableOrForeignFolderIsRefused() throws {
        let scratch = try HostileScratch()
        let (dir, file) = try Self.firmware(scratch)
        try HostileFabricate.setMode(dir, 0o777)
        let writable = try #require(refusal(file))
        #expect(writable.description.contains("folder \(dir) is writable by its group and all users (mode 777)"), "\(writable)")
        try HostileFabricate.setMode(dir, 0o755)
        try HostileFabricate.setOwner(dir, uid: Self.nobody)
        let foreign = try #require(refusal(file))
        #expect(foreign.description.contains("folder \(dir) is owned by uid 65534"), "\(foreign)")
    }

    @Test func stickyFolderIsTrustedButItsForeignFilesAreNot() throws {
        let scratch = try HostileScratch()
        let (dir, file) = try Self.firmware(scratch)
        try HostileFabricate.setMode(dir, 0o1777)
        #expect(refusal(file) == nil)
        try HostileFabricate.setOwner(file, uid: Self.nobody)
        #expect(refusal(file) != nil)
    }

    @Test func symlinksAreResolvedBeforeChecking() throws {
        let scratch = try HostileScratch()
        let (dir, _) = try Self.firmware(scratch)
        // A root-owned link in a trusted folder to a file another user owns.
        let planted = try scratch.directory("home-of-nobody")
        try HostileFabricate.write(HostileFabricate.intelUpdate(signature: 0x906EA), to: planted + "/evil")
        try HostileFabricate.setOwner(planted + "/evil", uid: Self.nobody)
        try FileManager.default.createSymbolicLink(atPath: dir + "/06-9e-0a", withDestinationPath: planted + "/evil")
        let error = try #require(refusal(dir + "/06-9e-0a"))
        #expect(error.path == dir + "/06-9e-0a")
        #expect(error.description.contains("\(planted)/evil is owned by uid 65534"), "\(error)")
        // The same link into a foreign-writable folder.
        try HostileFabricate.setOwner(planted + "/evil", uid: 0)
        try HostileFabricate.setMode(planted, 0o757)
        #expect(try #require(refusal(dir + "/06-9e-0a")).description.contains("folder \(planted) is writable by all users"))
    }

    @Test func catalogRefusesEvenWithSkipInvalid() throws {
        let scratch = try HostileScratch()
        let (dir, file) = try Self.firmware(scratch)
        try HostileFabricate.write(HostileFabricate.intelUpdate(signature: 0x906EA), to: dir + "/06-9e-0a", mode: 0o666)
        #expect(throws: InputError.self) {
            _ = try MicrocodeCatalog.load([.directory(dir, required: true)], skipInvalid: true, trust: SourceTrust())
        }
        #expect(throws: InputError.self) {
            _ = try MicrocodeCatalog.load([.file(dir + "/06-9e-0a")], trust: SourceTrust())
        }
        // Without a policy (not root, or overridden) both are read.
        let catalog = try MicrocodeCatalog.load([.directory(dir, required: true)])
        #expect(catalog.intel.count == 2)
        #expect(try MicrocodeCatalog.load([.file(file)], trust: SourceTrust()).intel.count == 1)
    }

    /// The catalog judges a folder's plain files by the descriptor it reads
    /// them from (fstat) and its links by their resolved path: either way
    /// it refuses what `check` refuses, with the same error.
    @Test(arguments: ["foreign owner", "group-writable", "link to a foreign file", "link into a writable folder"])
    func catalogRefusesAsCheckDoes(_ planting: String) throws {
        let scratch = try HostileScratch()
        let (dir, _) = try Self.firmware(scratch)
        let planted = dir + "/06-9e-0a"
        let update = HostileFabricate.intelUpdate(signature: 0x906EA)
        switch planting {
        case "foreign owner":
            try HostileFabricate.write(update, to: planted)
            try HostileFabricate.setOwner(planted, uid: Self.nobody)
        case "group-writable":
            try HostileFabricate.write(update, to: planted, mode: 0o664)
        default:
            let elsewhere = try scratch.directory("elsewhere")
            try HostileFabricate.write(update, to: elsewhere + "/target")
            if planting == "link to a foreign file" {
                try HostileFabricate.setOwner(elsewhere + "/target", uid: Self.nobody)
            } else {
                try HostileFabricate.setMode(elsewhere, 0o757)
            }
            try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: elsewhere + "/target")
        }
        let expected = try #require(refusal(planted))
        #expect(throws: expected) {
            _ = try MicrocodeCatalog.load([.directory(dir, required: true)], skipInvalid: true, trust: SourceTrust())
        }
    }

    @Test func policyAppliesOnlyAsRootAndNotWhenOverridden() {
        #expect(SourceTrust.whenRoot(allowInsecure: false) != nil)
        #expect(SourceTrust.whenRoot(allowInsecure: true) == nil)
    }

    @Test func shellQuotingOfTheSuggestedFix() {
        #expect(SourceTrust.shellQuoted("/lib/firmware/intel-ucode") == "/lib/firmware/intel-ucode")
        #expect(SourceTrust.shellQuoted("/tmp/a b") == "'/tmp/a b'")
        #expect(SourceTrust.shellQuoted("/tmp/it's") == "'/tmp/it'\\''s'")
    }

    // MARK: - The command line

    @Test(arguments: ["build", "list"])
    func commandRefusesAndTheFlagOverrides(_ command: String) throws {
        let scratch = try HostileScratch()
        let (dir, _) = try Self.firmware(scratch)
        try HostileFabricate.setOwner(dir + "/06-55-04", uid: Self.nobody)
        let output = scratch.file("early.cpio")
        let arguments = [command, "--all", "--firmware-dir", dir] + (command == "build" ? ["-o", output] : [])

        let refused = InProcess.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.stderrLines.count == 1, "\(refused.stderr)")
        #expect(refused.stderrLines.first?.hasPrefix("early-ucode: error: \(dir)/06-55-04: refusing to read as root:") == true, "\(refused.stderr)")
        #expect(refused.stderr.contains("--allow-insecure-sources"))
        #expect(!FileManager.default.fileExists(atPath: output))

        let allowed = InProcess.run(arguments + ["--allow-insecure-sources"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        if command == "build" { #expect(FileManager.default.fileExists(atPath: output)) }
    }

    /// The configuration chooses what goes into the boot path, so it is
    /// held to the same rule; --allow-insecure-sources covers it too.
    @Test(arguments: ["build", "list"])
    func configFileIsCheckedToo(_ command: String) throws {
        let scratch = try HostileScratch()
        let (dir, _) = try Self.firmware(scratch)
        let config = scratch.file("early-ucode.conf")
        try HostileFabricate.write(Array("EARLY_UCODE=all\n".utf8), to: config, mode: 0o646)
        let output = scratch.file("early.cpio")
        let arguments = [command, "--config", config, "--firmware-dir", dir] + (command == "build" ? ["-o", output] : [])

        let refused = InProcess.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.stderrLines == [
            "early-ucode: error: \(config): refusing to read as root: it is writable by all users (mode 646); "
                + "fix with `chmod go-w \(config)`, or pass --allow-insecure-sources",
        ], "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))

        let allowed = InProcess.run(arguments + ["--allow-insecure-sources"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        try HostileFabricate.setMode(config, 0o644)
        let fixed = InProcess.run(arguments)
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    /// `rebuild` writes into /boot from the same sources: same rule, and
    /// the image is left as it was.
    @Test func rebuildRefusesInsecureSources() throws {
        let scratch = try HostileScratch()
        let (dir, file) = try Self.firmware(scratch)
        try HostileFabricate.setMode(file, 0o666)
        // An initrd of one empty newc archive: header, name, trailer.
        func newc(_ name: String, mode: UInt32) -> [UInt8] {
            let fields: [UInt32] = [1, mode, 0, 0, 1, 0, 0, 0, 0, 0, 0, UInt32(name.utf8.count + 1), 0]
            var bytes = Array("070701".utf8) + fields.flatMap { Array(Hex.padded(String($0, radix: 16), to: 8).utf8) }
            bytes += Array(name.utf8) + [0]
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        let image = scratch.file("initrd.img")
        let original = newc("init", mode: 0o100755) + newc("TRAILER!!!", mode: 0)
        try HostileFabricate.write(original, to: image)
        let refused = InProcess.run(["rebuild", image, "--cpu", "0x50654,0x01", "--firmware-dir", dir])
        #expect(refused.status == 1)
        #expect(refused.stderrLines.count == 1, "\(refused.stderr)")
        #expect(refused.stderrLines.first?.contains("refusing to read as root") == true, "\(refused.stderr)")
        #expect(HostileFabricate.read(image) == original)
        #expect(try scratch.contents() == ["initrd.img", "intel-ucode"])
    }

    /// `grub` has no source options: its way around is --no-config.
    @Test func grubStatusRefusesAnInsecureConfig() throws {
        let scratch = try HostileScratch()
        let config = scratch.file("early-ucode.conf")
        try HostileFabricate.write(Array("EARLY_UCODE_XEN=yes\n".utf8), to: config)
        try HostileFabricate.setOwner(config, uid: Self.nobody)
        let grubDir = try scratch.directory("grub.d")
        let arguments = ["grub", "status", "--grub-defaults-dir", grubDir, "--grub-defaults-file", scratch.file("grub")]
        let refused = InProcess.run(arguments + ["--config", config])
        #expect(refused.status == 1)
        #expect(refused.stderrLines == [
            "early-ucode: error: \(config): refusing to read as root: it is owned by uid 65534, not root; "
                + "fix with `chown root:root \(config)`, or pass --no-config",
        ], "\(refused.stderr)")
        let without = InProcess.run(arguments + ["--no-config"])
        #expect(without.status == 0, "\(without.stderr)")
    }
}
