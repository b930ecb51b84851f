import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

private typealias Fixture = LoaderBinaryFixture

/// A kernel and a cache folder in one scratch folder.
private final class CacheScene {
    let scratch: TemporaryDirectory
    let kernel: String
    let cacheDirectory: String
    let digest: [UInt8]

    init() throws {
        scratch = try TemporaryDirectory("loader-cache")
        kernel = scratch.file("vmlinuz-6.12.117+deb13-amd64")
        cacheDirectory = scratch.file("cache")
        digest = try Fixture.patchDigest
        let table = Fixture.table(extra: [PatchDigest(patchID: 0x0a00_11d5, sha256: digest)])
        try ImageFixture.write(Fixture.bzImage(payload: try Fixture.kernelPayload(Fixture.vmlinux(table: table), .gzip)), to: kernel)
    }

    func cache() -> LoaderBinaryCache { LoaderBinaryCache(directory: cacheDirectory) }
    func read(_ cache: LoaderBinaryCache) -> LoaderBinary { LoaderBinaries.read(kernel, as: .linux, cache: cache) }
    var entry: String { cache().entryPath(for: kernel, as: .linux) }
}

private func mode(_ path: String) -> mode_t? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
}

private func same(_ a: LoaderBinary, _ b: LoaderBinary) -> Bool {
    a.loader == b.loader && a.path == b.path && a.version == b.version && a.versionText == b.versionText
        && a.compression == b.compression && a.digests == b.digests && a.problem == b.problem
}

@Suite("Loader binaries: cache")
struct LoaderBinaryCacheTests {
    @Test func missThenHit() throws {
        let scene = try CacheScene()
        let cold = scene.read(scene.cache())
        #expect(cold.problem == nil && !cold.fromCache)
        // The folder is made 0755, the entry 0644.
        #expect(mode(scene.cacheDirectory) == 0o755)
        #expect(mode(scene.entry) == 0o644)
        let cache = scene.cache()
        let warm = scene.read(cache)
        #expect(warm.fromCache)
        #expect(same(cold, warm))
        #expect(warm.lists(0x0a00_11d5, sha256: scene.digest))
        #expect(cache.note == nil)
    }

    /// A new mtime (to the nanosecond), size or inode is another file.
    @Test(arguments: ["mtime", "size", "inode"])
    func changedBinaryIsAMiss(_ change: String) throws {
        let scene = try CacheScene()
        #expect(!scene.read(scene.cache()).fromCache)
        var bytes = try ImageFixture.read(scene.kernel)
        switch change {
        case "mtime":
            var info = stat()
            #expect(stat(scene.kernel, &info) == 0)
            var times = [info.st_atim, info.st_mtim]
            times[1].tv_nsec = (times[1].tv_nsec + 1) % 1_000_000_000
            #expect(utimensat(AT_FDCWD, scene.kernel, &times, 0) == 0)
        case "size":
            bytes.append(0)
            try ImageFixture.write(bytes, to: scene.kernel)
        default:
            // A package upgrade: a new file renamed over the old one.
            try ImageFixture.write(bytes, to: scene.kernel + ".new")
            #expect(rename(scene.kernel + ".new", scene.kernel) == 0)
        }
        let again = scene.read(scene.cache())
        #expect(!again.fromCache && again.problem == nil)
        // Rewritten for the new identity.
        #expect(scene.read(scene.cache()).fromCache)
    }

    /// Damaged entries are misses, read again and rewritten whole.
    @Test(arguments: [
        ("empty", { @Sendable (_ b: inout [UInt8]) in b = [] }),
        ("truncated", { @Sendable (b: inout [UInt8]) in b = Array(b.prefix(b.count / 2)) }),
        ("no final newline", { @Sendable (b: inout [UInt8]) in b.removeLast() }),
        ("garbage", { @Sendable (b: inout [UInt8]) in b = ImageFixture.filler(4096, seed: 3) }),
        ("other format version", { @Sendable (b: inout [UInt8]) in b[32] = UInt8(ascii: "2") }),
        ("trailing bytes", { @Sendable (b: inout [UInt8]) in b += Array("x\n".utf8) }),
        ("too large", { @Sendable (b: inout [UInt8]) in b += [UInt8](repeating: 0x0a, count: LoaderBinaryCacheEntry.sizeLimit) }),
    ] as [(String, @Sendable (inout [UInt8]) -> Void)])
    func damagedEntryIsAMiss(_ name: String, _ damage: @Sendable (inout [UInt8]) -> Void) throws {
        let scene = try CacheScene()
        let cold = scene.read(scene.cache())
        var bytes = try ImageFixture.read(scene.entry)
        let good = bytes
        damage(&bytes)
        try ImageFixture.write(bytes, to: scene.entry)
        let again = scene.read(scene.cache())
        #expect(!again.fromCache, "\(name)")
        #expect(same(cold, again), "\(name)")
        #expect(try ImageFixture.read(scene.entry) == good, "\(name): not rewritten")
    }

    /// An entry naming another path, or read as the other loader, is not used.
    @Test func entryForAnotherFileIsAMiss() throws {
        let scene = try CacheScene()
        _ = scene.read(scene.cache())
        let text = String(decoding: try ImageFixture.read(scene.entry), as: UTF8.self)
        let other = "/boot/vmlinuz-other".utf8.map { Hex.padded(String($0, radix: 16), to: 2) }.joined()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("path ") ? "path " + other : String($0) }
        try ImageFixture.write(Array(lines.joined(separator: "\n").utf8), to: scene.entry)
        #expect(!scene.read(scene.cache()).fromCache)
        // The same file as Xen: its own entry, and not a Xen image.
        let asXen = LoaderBinaries.read(scene.kernel, as: .xen, cache: scene.cache())
        #expect(!asXen.fromCache && asXen.problem != nil)
    }

    /// An entry someone could have written is not trusted, and is replaced by one of mode 0644.
    @Test func groupWritableEntryIsReplaced() throws {
        let scene = try CacheScene()
        _ = scene.read(scene.cache())
        #expect(chmod(scene.entry, 0o664) == 0)
        #expect(!scene.read(scene.cache()).fromCache)
        #expect(mode(scene.entry) == 0o644)
        #expect(scene.read(scene.cache()).fromCache)
    }

    @Test func symbolicLinkEntryIsNotFollowed() throws {
        let scene = try CacheScene()
        _ = scene.read(scene.cache())
        let real = scene.scratch.file("elsewhere")
        #expect(rename(scene.entry, real) == 0)
        try FileManager.default.createSymbolicLink(atPath: scene.entry, withDestinationPath: real)
        let cache = scene.cache()
        let again = scene.read(cache)
        #expect(!again.fromCache && again.problem == nil)
        // AtomicFile refuses to write through it: a note, not an error.
        #expect(cache.note?.contains("is a symbolic link") == true, "\(cache.note ?? "no note")")
    }

    /// A cache folder that cannot be made: the binary is read all the same, one note.
    @Test func unwritableCacheIsANote() throws {
        let scene = try CacheScene()
        try ImageFixture.write([1], to: scene.cacheDirectory)
        let cache = scene.cache()
        let first = scene.read(cache)
        let second = scene.read(cache)
        #expect(first.problem == nil && second.problem == nil && !second.fromCache)
        let note = try #require(cache.note)
        #expect(note.hasPrefix("loader cache \(scene.cacheDirectory) not written: "), "\(note)")
        #expect(!note.contains("\n"))
    }

    /// As root, a cache folder others may write is not used.
    @Test func untrustedFolderIsNotUsed() throws {
        guard geteuid() == 0 else { return }
        let scene = try CacheScene()
        _ = scene.read(scene.cache())
        #expect(chmod(scene.cacheDirectory, 0o777) == 0)
        let cache = scene.cache()
        #expect(!scene.read(cache).fromCache)
        #expect(cache.note?.contains("is writable by its group and all users") == true, "\(cache.note ?? "no note")")
        #expect(cache.note?.contains("chmod go-w") == true)
    }

    /// A binary that cannot be read is not cached: its problem is found again.
    @Test func problemsAreNotCached() throws {
        let scene = try CacheScene()
        try ImageFixture.write([0x4d, 0x5a], to: scene.kernel)
        let cache = scene.cache()
        #expect(scene.read(cache).problem != nil)
        #expect(!FileManager.default.fileExists(atPath: scene.entry))
    }

    @Test func entryRoundTrip() throws {
        let identity = FileIdentity(device: 65024, inode: 5_358_260, size: 12_171_200, modifiedSeconds: -5, modifiedNanoseconds: 999_999_999)
        for digests in [nil, Fixture.table(count: 3)] as [[PatchDigest]?] {
            let entry = LoaderBinaryCacheEntry(path: "/boot/vmlinuz x\u{e9}", loader: .xen, identity: identity,
                                               versionText: "4.20.4+63-g7abfd2bce2-0+deb13u1", compression: nil, digests: digests)
            let bytes = try #require(entry.encoded())
            #expect(try LoaderBinaryCacheEntry.parse(bytes) == entry)
        }
    }

    /// Each change to a good entry is refused, with the offset of its line.
    @Test(arguments: [
        ("early-ucode loader-binary-cache 1", "early-ucode loader-binary-cache 01"),
        ("loader linux", "loader Linux"),
        ("loader linux", "loader linux "),
        ("identity 1 2 3 4 5", "identity 1 2 3 4"),
        ("identity 1 2 3 4 5", "identity 01 2 3 4 5"),
        ("identity 1 2 3 4 5", "identity 1 2 3 4 1000000000"),
        ("identity 1 2 3 4 5", "identity 1 2 18446744073709551616 4 5"),
        ("identity 1 2 3 4 5", "identity 1 2 3 -0 5"),
        ("identity 1 2 3 4 5", "identity 1 2 +3 4 5"),
        ("compression zstd", "compression brotli"),
        ("digests 2", "digests 3"),
        ("digests 2", "digests 1"),
        ("digests 2", "digests 0"),
        ("digests 2", "digests 4097"),
        ("0a0011d5 ", "0A0011D5 "),
        ("0a0011d5 ", "0800100f "),
        ("path 2f76", "path 2f7"),
        ("path 2f76", "path 0076"),
        ("version-text 6.1", "version-text \u{1b}6.1"),
        ("end", "end\nend"),
        ("end", "fin"),
    ])
    func strictParse(_ original: String, _ replacement: String) throws {
        let good = """
            early-ucode loader-binary-cache 1
            path 2f766d6c696e757a
            loader linux
            identity 1 2 3 4 5
            version-text 6.1.0-57-amd64 (x) #1 SMP Debian 6.1.192-3
            compression zstd
            digests 2
            0800100f \(String(repeating: "ab", count: 32))
            0a0011d5 \(String(repeating: "cd", count: 32))
            end

            """
        #expect(try LoaderBinaryCacheEntry.parse(Array(good.utf8)).digests?.count == 2)
        #expect(good.contains(original))
        let bad = good.replacingOccurrences(of: original, with: replacement)
        let error = try #require(throws: ParseError.self) { try LoaderBinaryCacheEntry.parse(Array(bad.utf8)) }
        guard case .loaderBinary(.damagedCacheEntry) = error.problem else {
            Issue.record("\(error)")
            return
        }
        #expect(error.offset >= 0 && error.offset <= bad.utf8.count)
    }

    @Test func entryNamesAreSafeAndDistinct() {
        let cache = LoaderBinaryCache(directory: "/var/cache/early-ucode")
        let a = cache.entryPath(for: "/boot/vmlinuz-6.1.0-57-amd64", as: .linux)
        #expect(a.hasPrefix("/var/cache/early-ucode/linux-vmlinuz-6.1.0-57-amd64-"))
        #expect(a != cache.entryPath(for: "/mnt/boot/vmlinuz-6.1.0-57-amd64", as: .linux))
        #expect(a != cache.entryPath(for: "/boot/vmlinuz-6.1.0-57-amd64", as: .xen))
        let odd = cache.entryPath(for: "/boot/../x/\u{1b}[2J\nname", as: .xen)
        #expect(Path.split(odd).base.allSatisfy { $0.isLetter || $0.isNumber || "._-+".contains($0) })
    }
}
