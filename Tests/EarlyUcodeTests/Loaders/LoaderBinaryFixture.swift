import Foundation
import Testing

@testable import EarlyUcode

/// Fabricated loader binaries: bzImage-shaped kernels and Xen images
/// (gzip'd ELF, bare ELF, PE) laid out as the real ones are, with a digest
/// table of the real shape and a fabricated patch's digest in it.
enum LoaderBinaryFixture {
    /// A fabricated AMD patch (Milan, 0x0a0011d5) and its SHA-256.
    static let patch = ImageFixture.amdPatch(id: 0x0a00_11d5, equivalenceID: 0xa011, size: 5568)
    static var patchDigest: [UInt8] {
        get throws { try sha256(patch) }
    }

    /// A table of `count` records, ids ascending through families 17h and
    /// 19h, random-looking digests; `extra` records are merged in by id.
    static func table(count: Int = 20, extra: [PatchDigest] = [], seed: UInt32 = 5) -> [PatchDigest] {
        var records = (0..<count).map { index -> PatchDigest in
            let id = index < count / 2 ? 0x0800_1000 + UInt32(index) * 0x10 : 0x0a00_1000 + UInt32(index) * 0x10
            return PatchDigest(patchID: id, sha256: ImageFixture.filler(32, seed: seed &+ UInt32(index) &* 7919))
        }
        records += extra
        return records.sorted { $0.patchID < $1.patchID }
    }

    static func tableBytes(_ table: [PatchDigest]) -> [UInt8] {
        table.flatMap { ImageFixture.le32($0.patchID) + $0.sha256 }
    }

    /// An ELF-shaped "vmlinux": the ELF magic, filler, and the table (when
    /// given) at a 4-byte aligned offset in the middle.
    static func vmlinux(table: [PatchDigest]?, size: Int = 96 << 10) -> [UInt8] {
        var bytes: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + ImageFixture.filler(size, seed: 77)
        if let table {
            let at = (size / 2) & ~3
            let record = tableBytes(table)
            bytes.replaceSubrange(at..<(at + record.count), with: record)
        }
        return bytes
    }

    static let debian13Version = "6.12.117+deb13-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1 (2026-11-12)"

    /// Field offsets of the bzImage header (KernelImage).
    struct Header {
        var setupSectors: UInt8 = 3
        var bootFlag: UInt16 = 0xaa55
        var signature = Array("HdrS".utf8)
        var bootProtocol: UInt16 = 0x020f
        /// kernel_version (+ 0x200 is the string's offset).
        var versionPointer: UInt16 = 0x0200
        var version = debian13Version
        /// From the protected-mode code (at (setup_sects + 1) * 512).
        var payloadOffset: UInt32 = 0x100
        /// nil: the payload's real length.
        var payloadLength: UInt32?
    }

    /// A bzImage: setup sectors holding the header and the version string,
    /// then `payloadOffset` bytes of "decompressor code", the payload, and
    /// a little after it.
    static func bzImage(payload: [UInt8], header: Header = Header()) -> [UInt8] {
        let sectors = header.setupSectors == 0 ? 4 : Int(header.setupSectors)
        var setup = [UInt8](repeating: 0, count: (sectors + 1) * 512)
        setup[0x1f1] = header.setupSectors
        setup.replaceSubrange(0x1fe..<0x200, with: ImageFixture.le16(header.bootFlag))
        setup.replaceSubrange(0x202..<0x206, with: header.signature)
        setup.replaceSubrange(0x206..<0x208, with: ImageFixture.le16(header.bootProtocol))
        setup.replaceSubrange(0x20e..<0x210, with: ImageFixture.le16(header.versionPointer))
        setup.replaceSubrange(0x248..<0x24c, with: ImageFixture.le32(header.payloadOffset))
        setup.replaceSubrange(0x24c..<0x250, with: ImageFixture.le32(header.payloadLength ?? UInt32(payload.count)))
        let text = Array(header.version.utf8) + [0]
        let at = Int(header.versionPointer) + 0x200
        if at + text.count <= setup.count { setup.replaceSubrange(at..<(at + text.count), with: text) }
        return setup + ImageFixture.filler(Int(header.payloadOffset), seed: 3) + payload + [UInt8](repeating: 0xcc, count: 64)
    }

    /// `bytes` compressed as the kernel's build does it: `tool` (`gzip -9`,
    /// `xz --check=crc32`, `zstd -19`, `lz4 -l`...) and, except for gzip,
    /// the decompressed size as 4 bytes after the stream.
    static func kernelPayload(_ bytes: [UInt8], _ compression: Compression) throws -> [UInt8] {
        let (tool, arguments): (String, [String]) = switch compression {
        case .gzip: ("gzip", ["-n", "-9", "-c"])
        case .bzip2: ("bzip2", ["-9", "-c"])
        case .lzma: ("lzma", ["-9", "-c"])
        case .xz: ("xz", ["--check=crc32", "-c"])
        case .lz4: ("lz4", ["-l", "-9", "-c"])
        case .zstd: ("zstd", ["-19", "-q", "-c"])
        case .lzo: ("lzop", ["-9", "-c"])
        }
        let compressed = try run(tool, arguments, input: bytes)
        return compression == .gzip ? compressed : compressed + ImageFixture.le32(UInt32(bytes.count))
    }

    static func hasTool(_ name: String) -> Bool { ImageFixture.tool(name) != nil }

    /// A Xen ELF: the banner format Debian's build prints, its package
    /// version (`vendorVersion`, none for an upstream build), the extra
    /// version, and the table.
    static func xenELF(vendorVersion: [String] = ["4.17.7+13-g2445b30a44-0+deb12u1"], banner: Bool = true,
                       table: [PatchDigest]?) -> [UInt8] {
        var bytes: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + ImageFixture.filler(40 << 10, seed: 41) + [0]
        if banner { bytes += Array("Xen version %d.%d%s (%s %s) (%s@%s) (%s) %s %s\n".utf8) + [0] }
        bytes += Array("Wed Nov  4 16:52:28 UTC 2026".utf8) + [0] + Array("Debian".utf8) + [0]
        for version in vendorVersion { bytes += Array(version.utf8) + [0] }
        bytes += Array(".7".utf8) + [0] + Array("<denied>".utf8) + [0]
        bytes += [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
        if let table { bytes += tableBytes(table) }
        return bytes + ImageFixture.filler(8 << 10, seed: 43)
    }

    /// xen.efi-shaped: a PE image whose .data section holds `contents`;
    /// `peOffset`, when given, is written over e_lfanew (a damaged image).
    static func xenPE(_ contents: [UInt8], peOffset: UInt32? = nil) -> [UInt8] {
        var image = PEFixture.image([.init(".data", contents)])
        if let peOffset { image.replaceSubrange(0x3c..<0x40, with: ImageFixture.le32(peOffset)) }
        return image
    }

    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] { try run("gzip", ["-n", "-9", "-c"], input: bytes) }

    static func sha256(_ bytes: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: try run("sha256sum", [], input: bytes), as: UTF8.self)
        let digits = Array(text.utf8.prefix(64))
        guard digits.count == 64, let digest = LoaderBinaryCacheEntry.hexBytes(digits) else {
            throw ImageFixture.FixtureError("sha256sum printed \(text)")
        }
        return digest
    }

    /// `tool arguments FILE` with `input` in FILE, its standard output.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        guard let path = ImageFixture.tool(tool) else { throw ImageFixture.FixtureError("\(tool) is not installed") }
        let directory = try TemporaryDirectory("loader-fixture")
        let file = directory.file("in")
        try ImageFixture.write(input, to: file)
        let result = try EarlyUcodeTests.run(path, arguments + [file])
        guard result.status == 0 else { throw ImageFixture.FixtureError("\(tool) \(arguments): exit \(result.status): \(result.stderr)") }
        return result.stdout
    }
}
