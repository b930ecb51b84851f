import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

private typealias Fixture = LoaderBinaryFixture

/// A binary written to a scratch folder and read through the public entry point.
private func readBinary(_ bytes: [UInt8], as loader: BootLoader, name: String = "binary",
                        bound: DecompressionBound = .standard) throws -> LoaderBinary {
    let directory = try TemporaryDirectory("loader-binary")
    let path = directory.file(name)
    try ImageFixture.write(bytes, to: path)
    return LoaderBinaries.read(path, as: loader, cache: nil, bound: bound)
}

/// The problem's one line, checked to be one line naming the file (and,
/// when given, the offset).
private func problemLine(_ binary: LoaderBinary, offset: Int?, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let problem = try #require(binary.problem, "read without a problem", sourceLocation: sourceLocation)
    #expect(binary.version == nil && binary.digests == nil && binary.versionText == nil, sourceLocation: sourceLocation)
    let line = problem.description
    #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(line.debugDescription)", sourceLocation: sourceLocation)
    #expect(line.hasPrefix(binary.path + ": "), "\(line)", sourceLocation: sourceLocation)
    #expect(problem.offset == offset, "\(line)", sourceLocation: sourceLocation)
    return line
}

@Suite("Loader binaries: bzImage")
struct KernelImageTests {
    static let compressions: [Compression] = [.gzip, .xz, .zstd, .bzip2, .lzma, .lz4].filter { compression in
        let tool = compression == .gzip ? "gzip" : compression.rawValue
        return Fixture.hasTool(tool)
    }

    /// A kernel as Debian 13 builds it (zstd there; every compression the
    /// kernel offers and libarchive decodes here), size trailer included.
    @Test(arguments: compressions)
    func readsVersionAndDigestTable(_ compression: Compression) throws {
        let digest = try Fixture.patchDigest
        let table = Fixture.table(extra: [PatchDigest(patchID: 0x0a00_11d5, sha256: digest)])
        let payload = try Fixture.kernelPayload(Fixture.vmlinux(table: table), compression)
        let binary = try readBinary(Fixture.bzImage(payload: payload), as: .linux)
        #expect(binary.problem == nil, "\(binary.problem.map { "\($0)" } ?? "")")
        #expect(binary.version == LoaderVersion(6, 12, 117))
        #expect(binary.versionText == Fixture.debian13Version)
        #expect(binary.compression == compression)
        #expect(binary.digests == table)
        #expect(binary.lists(0x0a00_11d5, sha256: digest))
        var flipped = digest
        flipped[0] ^= 1
        #expect(!binary.lists(0x0a00_11d5, sha256: flipped))
        #expect(!binary.lists(0x0a00_11d6, sha256: digest))
    }

    /// Linux 6.1 has no digest list: nothing of the table's shape in it.
    @Test func kernelWithoutTable() throws {
        let payload = try Fixture.kernelPayload(Fixture.vmlinux(table: nil), .gzip)
        var header = Fixture.Header()
        header.version = "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)"
        let binary = try readBinary(Fixture.bzImage(payload: payload, header: header), as: .linux)
        #expect(binary.problem == nil)
        #expect(binary.version == LoaderVersion(6, 1, 192))
        #expect(binary.digests == nil)
        #expect(!binary.lists(0x0a00_11d5, sha256: try Fixture.patchDigest))
    }

    @Test(arguments: [
        ("6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)", LoaderVersion(6, 1, 192) as LoaderVersion?),
        (LoaderBinaryFixture.debian13Version, LoaderVersion(6, 12, 117)),
        ("6.14.2 (builder@host) #1 SMP PREEMPT_DYNAMIC Sun Apr 13 2025", LoaderVersion(6, 14, 2)),
        ("6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP PREEMPT_DYNAMIC", LoaderVersion(6, 8, 0)),
        ("my kernel", nil),
        ("", nil),
    ])
    func releaseRule(_ text: String, _ expected: LoaderVersion?) {
        #expect(KernelImage.release(from: text) == expected)
    }

    static let payload: [UInt8] = (try? Fixture.kernelPayload(Fixture.vmlinux(table: nil, size: 4096), .gzip)) ?? []

    /// Each damaged header: one line naming the file and the offset at fault.
    @Test(arguments: [
        ("truncated before the protocol", { @Sendable (_ b: inout [UInt8]) in b = Array(b.prefix(0x100)) }, 0x100, "shorter than the 520-byte"),
        ("truncated inside the payload fields", { @Sendable (b: inout [UInt8]) in b = Array(b.prefix(0x240)) }, 0x240, "shorter than the 592-byte"),
        ("no boot flag", { @Sendable (b: inout [UInt8]) in b[0x1fe] = 0 }, 0x1fe, "no boot flag 0xaa55"),
        ("no HdrS", { @Sendable (b: inout [UInt8]) in b[0x203] = 0x65 }, 0x202, "no \"HdrS\""),
        ("protocol 2.07", { @Sendable (b: inout [UInt8]) in b[0x206] = 0x07 }, 0x206, "boot protocol 2.07"),
        ("setup past the end", { @Sendable (b: inout [UInt8]) in b[0x1f1] = 0xff }, 0x1f1, "setup_sects puts the kernel at 131072"),
        ("no version string", { @Sendable (b: inout [UInt8]) in b[0x20e] = 0; b[0x20f] = 0 }, 0x20e, "kernel_version is 0"),
        ("version pointer outside", { @Sendable (b: inout [UInt8]) in b[0x20f] = 0x30 }, 0x20e, "outside the 2048-byte setup"),
        ("version not text", { @Sendable (b: inout [UInt8]) in b[0x405] = 0x1b }, 0x405, "not printable ASCII"),
        ("version unterminated", { @Sendable (b: inout [UInt8]) in for i in 0x400..<0x800 { b[i] = 0x41 } }, 0x400, "no NUL within 512"),
        ("payload offset past the end", { @Sendable (b: inout [UInt8]) in b[0x24b] = 0x10 }, 0x248, "runs past the end"),
        ("payload length past the end", { @Sendable (b: inout [UInt8]) in b[0x24e] = 0x10 }, 0x248, "runs past the end"),
        ("payload too short", { @Sendable (b: inout [UInt8]) in for i in 0x24c..<0x250 { b[i] = 0 } }, 0x24c, "too short"),
        ("unknown compression", { @Sendable (b: inout [UInt8]) in b[2048 + 0x100] = 0x00 }, 2048 + 0x100, "payload starts with bytes 00 8b"),
        ("damaged gzip", { @Sendable (b: inout [UInt8]) in for i in (2048 + 0x100 + 10)..<(2048 + 0x100 + 40) { b[i] = 0x55 } }, 2048 + 0x100, "gzip data does not decompress"),
    ] as [(String, @Sendable (inout [UInt8]) -> Void, Int, String)])
    func malformedHeader(_ name: String, _ damage: @Sendable (inout [UInt8]) -> Void, _ offset: Int, _ words: String) throws {
        var bytes = Fixture.bzImage(payload: Self.payload)
        damage(&bytes)
        let line = try problemLine(try readBinary(bytes, as: .linux), offset: offset)
        #expect(line.contains(words), "\(name): \(line)")
    }

    /// A small payload claiming gigabytes: a bzip2 stream of 1 MiB of zeros
    /// (45 bytes), 100 times over (libarchive, like bzip2 -d, reads on
    /// into the next stream): 100 MiB from 4.5 KiB. Stops at the bound (its
    /// floor, 16 MiB, here) with one line, at once.
    @Test func decompressionBombStopsAtTheBound() throws {
        let bomb = try Self.bzip2Bomb()
        #expect(bomb.count < 8 << 10)
        // The trailer claims a modest size: only the bound while decompressing can stop it.
        let started = ContinuousClock.now
        let binary = try readBinary(Fixture.bzImage(payload: bomb + ImageFixture.le32(1 << 20)), as: .linux)
        let line = try problemLine(binary, offset: 2048 + 0x100)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(line.contains("decompresses to more than 16777216 bytes: stopped there"), "\(line)")
    }

    /// The trailer says 4 GiB: refused before anything is decompressed.
    @Test func claimedSizeOverTheBound() throws {
        let bomb = try Self.bzip2Bomb()
        let bytes = Fixture.bzImage(payload: bomb + ImageFixture.le32(0xffff_ffff))
        let binary = try readBinary(bytes, as: .linux)
        let line = try problemLine(binary, offset: 2048 + 0x100 + bomb.count)
        #expect(line.contains("says (in its last 4 bytes) it decompresses to 4294967295 bytes, more than the 16777216 allowed"), "\(line)")
    }

    /// The bound is the ratio times the input, within floor and cap.
    @Test func boundArithmetic() {
        let bound = DecompressionBound(ratio: 32, floor: 1000, cap: 100_000)
        #expect(bound.limit(compressed: 10) == 1000)
        #expect(bound.limit(compressed: 100) == 3200)
        #expect(bound.limit(compressed: 1_000_000) == 100_000)
        #expect(bound.limit(compressed: Int.max) == 100_000)
        #expect(DecompressionBound.standard.limit(compressed: 8_122_340) == 8_122_340 * 32)
    }

    /// A smaller bound stops a real-sized kernel, with the bound in the line.
    @Test func boundIsConfigurable() throws {
        let payload = try Fixture.kernelPayload([0x7f, 0x45, 0x4c, 0x46] + [UInt8](repeating: 0, count: 512 << 10), .zstd)
        let binary = try readBinary(Fixture.bzImage(payload: payload), as: .linux,
                                    bound: DecompressionBound(ratio: 1, floor: 4096, cap: 1 << 20))
        // The trailer's 512 KiB is over the 4 KiB this bound allows for a few hundred bytes.
        let line = try problemLine(binary, offset: 2048 + 0x100 + payload.count - 4)
        #expect(line.contains("it decompresses to 524292 bytes, more than the 4096 allowed"), "\(line)")
    }

    static func bzip2Bomb() throws -> [UInt8] {
        let block = try Fixture.run("bzip2", ["-9", "-c"], input: [UInt8](repeating: 0, count: 1 << 20))
        return Array([[UInt8]](repeating: block, count: 100).joined())
    }
}

@Suite("Loader binaries: Xen")
struct XenImageTests {
    @Test func gzipELF() throws {
        let digest = try Fixture.patchDigest
        let table = Fixture.table(extra: [PatchDigest(patchID: 0x0a00_11d5, sha256: digest)])
        let binary = try readBinary(try Fixture.gzip(Fixture.xenELF(table: table)), as: .xen, name: "xen-4.17-amd64.gz")
        #expect(binary.problem == nil, "\(binary.problem.map { "\($0)" } ?? "")")
        #expect(binary.version == LoaderVersion(4, 17, 7))
        #expect(binary.versionText == "4.17.7+13-g2445b30a44-0+deb12u1")
        #expect(binary.compression == .gzip)
        #expect(binary.digests == table)
        #expect(binary.lists(0x0a00_11d5, sha256: digest))
    }

    @Test func bareELFAndPE() throws {
        let table = Fixture.table()
        let elf = Fixture.xenELF(vendorVersion: ["4.20.4+63-g7abfd2bce2-0+deb13u1"], table: table)
        for (bytes, name) in [(elf, "xen.elf"), (Fixture.xenPE(elf), "xen-4.20-amd64.efi")] {
            let binary = try readBinary(bytes, as: .xen, name: name)
            #expect(binary.problem == nil, "\(name): \(binary.problem.map { "\($0)" } ?? "")")
            #expect(binary.version == LoaderVersion(4, 20, 4))
            #expect(binary.compression == nil)
            #expect(binary.digests == table)
        }
    }

    /// Xen before 4.17.6 has no list.
    @Test func xenWithoutTable() throws {
        let binary = try readBinary(try Fixture.gzip(Fixture.xenELF(vendorVersion: ["4.17.3-0+deb12u1"], table: nil)), as: .xen)
        #expect(binary.problem == nil)
        #expect(binary.version == LoaderVersion(4, 17, 3))
        #expect(binary.digests == nil)
    }

    @Test(arguments: [
        ("upstream build: no full version", Fixture.xenELF(vendorVersion: [], table: nil), "no full version string"),
        ("two versions", Fixture.xenELF(vendorVersion: ["4.17.7-1", "4.18.0-2"], table: nil), "several version strings (4.17.7-1, 4.18.0-2)"),
        ("no banner", Fixture.xenELF(banner: false, table: nil), "no \"Xen version %d.%d%s\" banner"),
        ("not a Xen image", ImageFixture.filler(4096, seed: 1), "not a gzip'd ELF"),
        ("empty file", [], "starts with bytes (none)"),
        ("PE header past the end", Fixture.xenPE(Fixture.xenELF(table: nil), peOffset: 0x7fff_ffff), "not a PE image: e_lfanew 0x7fffffff puts the PE header outside"),
        ("PE without signature", Fixture.xenPE(Fixture.xenELF(table: nil), peOffset: 0x40), "not a PE image: no \"PE\\0\\0\" signature where e_lfanew points"),
        // What the PE reader refuses beyond the MZ stub (a check of e_lfanew alone let this by).
        ("PE with 97 sections", PEFixture.image([.init(".data", Fixture.xenELF(table: nil))], numberOfSections: 97),
         "not a PE image: NumberOfSections 97 is more than the 96 a PE loader accepts"),
        ("truncated MZ", Array("MZ".utf8) + [0, 0], "not a PE image: 4 bytes: too short for a PE image's MZ header"),
    ] as [(String, [UInt8], String)])
    func unreadableXen(_ name: String, _ bytes: [UInt8], _ words: String) throws {
        let binary = try readBinary(bytes, as: .xen)
        let problem = try #require(binary.problem, "\(name)")
        #expect(problem.description.contains(words), "\(name): \(problem)")
        #expect(!problem.description.contains("\n"))
        #expect(binary.version == nil && binary.digests == nil)
    }

    @Test func gzipOfSomethingElse() throws {
        let binary = try readBinary(try Fixture.gzip(Array("#!/bin/sh\n".utf8)), as: .xen)
        let line = try problemLine(binary, offset: 0)
        #expect(line.contains("decompressed image starts with bytes 23 21 2f 62, not an ELF header"), "\(line)")
    }

    @Test func truncatedGzip() throws {
        let gz = try Fixture.gzip(Fixture.xenELF(table: nil))
        let line = try problemLine(try readBinary(Array(gz.prefix(gz.count / 2)), as: .xen), offset: 0)
        #expect(line.contains("gzip data does not decompress"), "\(line)")
    }
}

@Suite("Loader binaries: digest table")
struct DigestTableTests {
    static func embedded(_ records: [UInt8], at offset: Int = 1024) -> [UInt8] {
        var bytes = ImageFixture.filler(offset, seed: 9) + records + ImageFixture.filler(1024, seed: 10)
        bytes[offset - 1] = 0
        return bytes
    }

    @Test func eightRecordsAreATableSevenAreNot() {
        let eight = Fixture.table(count: 8)
        #expect(DigestTable.find(in: Self.embedded(Fixture.tableBytes(eight))) == eight)
        #expect(DigestTable.find(in: Self.embedded(Fixture.tableBytes(Array(eight.prefix(7))))) == nil)
    }

    @Test func unalignedIsNotATable() {
        #expect(DigestTable.find(in: Self.embedded(Fixture.tableBytes(Fixture.table()), at: 1026)) == nil)
    }

    @Test func longestRunWins() {
        let short = Fixture.table(count: 9, seed: 1)
        let long = Fixture.table(count: 30, seed: 2)
        let bytes = Self.embedded(Fixture.tableBytes(short)) + [0, 0, 0, 0] + Self.embedded(Fixture.tableBytes(long))
        #expect(DigestTable.find(in: bytes) == long)
    }

    /// A run ends at an id that does not ascend, is not Zen, or whose digest
    /// is mostly zeros.
    /// (A record that does not ascend starts the next run; an invalid one
    /// belongs to neither.)
    @Test(arguments: [
        ("descending", { @Sendable (t: inout [PatchDigest]) in t[10].patchID = t[9].patchID }, 20),
        ("family 15h", { @Sendable (t: inout [PatchDigest]) in t[10].patchID = 0x0600_0001 }, 19),
        ("zero digest", { @Sendable (t: inout [PatchDigest]) in t[10].sha256 = [UInt8](repeating: 0, count: 32) }, 19),
        ("repeated bytes", { @Sendable (t: inout [PatchDigest]) in t[10].sha256 = Array([UInt8](0..<16) + [UInt8](0..<16)) }, 19),
    ] as [(String, @Sendable (inout [PatchDigest]) -> Void, Int)])
    func runBreaks(_ name: String, _ damage: @Sendable (inout [PatchDigest]) -> Void, _ found: Int) {
        var table = Fixture.table(count: 30)
        damage(&table)
        #expect(DigestTable.find(in: Self.embedded(Fixture.tableBytes(table))) == Array(table.suffix(found)), "\(name)")
    }

    @Test func zen5Ids() {
        let table = (0..<8).map { PatchDigest(patchID: 0x0b00_4000 + UInt32($0), sha256: ImageFixture.filler(32, seed: UInt32($0) + 100)) }
        #expect(DigestTable.find(in: Self.embedded(Fixture.tableBytes(table))) == table)
    }

    @Test func nothingInSmallOrEmptyInputs() {
        #expect(DigestTable.find(in: []) == nil)
        #expect(DigestTable.find(in: Fixture.tableBytes(Fixture.table(count: 7))) == nil)
        // A table at the very start and end of the bytes.
        let exact = Fixture.table(count: 8)
        #expect(DigestTable.find(in: Fixture.tableBytes(exact)) == exact)
    }
}

@Suite("Loader binaries: /boot")
struct InstalledBinariesTests {
    @Test func listsKernelsAndBothKindsOfXen() throws {
        let boot = try TemporaryDirectory("loader-boot")
        for name in ["vmlinuz-6.1.0-57-amd64", "vmlinuz-6.12.117+deb13-amd64", "vmlinuz-6.1.0-56-amd64.dpkg-tmp", "vmlinuz-x.sig",
                     "xen-4.17-amd64.gz", "xen-4.17-amd64.efi", "xen-4.17-amd64.config", "xen-syms-4.17", "config-6.1.0-57-amd64",
                     "initrd.img-6.1.0-57-amd64", "xen-4.20-amd64.gz"] {
            try ImageFixture.write([1], to: boot.file(name))
        }
        try FileManager.default.createDirectory(atPath: boot.file("vmlinuz-folder"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: boot.file("vmlinuz-link"), withDestinationPath: "vmlinuz-6.1.0-57-amd64")
        try FileManager.default.createSymbolicLink(atPath: boot.file("vmlinuz-dangling"), withDestinationPath: "nowhere")
        let found = LoaderBinaries.installed(in: boot.path)
        #expect(found.kernels == ["vmlinuz-6.1.0-57-amd64", "vmlinuz-6.12.117+deb13-amd64", "vmlinuz-link"].map(boot.file))
        #expect(found.xens == ["xen-4.17-amd64.efi", "xen-4.17-amd64.gz", "xen-4.20-amd64.gz"].map(boot.file))
        #expect(LoaderBinaries.installed(in: boot.file("missing")).kernels.isEmpty)
    }

    @Test func missingFileIsAProblem() {
        let binary = LoaderBinaries.read("/nonexistent/vmlinuz", as: .linux, cache: nil)
        #expect(binary.problem?.description == "/nonexistent/vmlinuz: cannot stat: No such file or directory")
        let folder = LoaderBinaries.read("/", as: .xen, cache: nil)
        #expect(folder.problem?.description == "/: not a regular file")
    }

    /// /boot's binaries, read once for the tests below (the xz kernel takes
    /// seconds in a debug build).
    static let installed: [String: LoaderBinary] = {
        let found = LoaderBinaries.installed(in: "/boot")
        let binaries = found.kernels.map { LoaderBinaries.read($0, as: .linux, cache: nil) }
            + found.xens.map { LoaderBinaries.read($0, as: .xen, cache: nil) }
        return Dictionary(binaries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }()

    /// Every kernel and Xen installed here reads without a problem.
    @Test func everyInstalledBinaryReads() {
        for binary in Self.installed.values {
            #expect(binary.problem == nil, "\(binary.problem.map { "\($0)" } ?? "")")
            #expect(binary.version != nil, "\(binary.path)")
        }
    }

    /// Debian 12's binaries, where installed: 6.1.192 has no list; Xen
    /// 4.17.7 (xen.gz and xen.efi) lists patch 0x0a0011d5.
    @Test(arguments: ["/boot/vmlinuz-6.1.0-57-amd64"])
    func debian12Kernel(_ path: String) throws {
        guard let binary = Self.installed[path] else { return }
        #expect(binary.problem == nil)
        #expect(binary.version == LoaderVersion(6, 1, 192))
        #expect(binary.compression == .xz)
        #expect(binary.digests == nil)
    }

    @Test(arguments: ["/boot/xen-4.17-amd64.gz", "/boot/xen-4.17-amd64.efi"])
    func debian12Xen(_ path: String) throws {
        guard let binary = Self.installed[path] else { return }
        #expect(binary.problem == nil)
        #expect(binary.version == LoaderVersion(4, 17, 7))
        #expect(binary.versionText == "4.17.7+13-g2445b30a44-0+deb12u1")
        #expect(binary.compression == (path.hasSuffix(".gz") ? .gzip : nil))
        #expect(binary.digests?.count == 41)
        let milan = try #require(binary.digests?.first { $0.patchID == 0x0a00_11d5 })
        #expect(milan.sha256.prefix(8) == [0xed, 0x69, 0x89, 0xf4, 0xeb, 0x64, 0xc2, 0x13])
    }

    /// Debian 13's, when EARLY_UCODE_DEBIAN13_BOOT names a folder holding
    /// them (extracted from linux-image-6.12.117+deb13-amd64 and
    /// xen-hypervisor-4.20-amd64); never needed.
    @Test func debian13Binaries() throws {
        guard let boot = ProcessInfo.processInfo.environment["EARLY_UCODE_DEBIAN13_BOOT"], !boot.isEmpty else { return }
        let kernel = LoaderBinaries.read(boot + "/vmlinuz-6.12.117+deb13-amd64", as: .linux, cache: nil)
        #expect(kernel.problem == nil)
        #expect(kernel.version == LoaderVersion(6, 12, 117))
        #expect(kernel.compression == .zstd)
        #expect(kernel.digests?.count == 79)
        #expect(kernel.digests?.first { $0.patchID == 0x0a00_11d5 }?.sha256.prefix(4) == [0xed, 0x69, 0x89, 0xf4])
        for name in ["xen-4.20-amd64.gz", "xen-4.20-amd64.efi"] {
            let xen = LoaderBinaries.read(boot + "/" + name, as: .xen, cache: nil)
            #expect(xen.problem == nil)
            #expect(xen.version == LoaderVersion(4, 20, 4))
            #expect(xen.digests?.count == 41)
            #expect(xen.digests?.first { $0.patchID == 0x0a00_11d5 }?.sha256.prefix(4) == [0xed, 0x69, 0x89, 0xf4])
        }
    }
}
