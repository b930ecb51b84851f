#if canImport(Glibc)
import Glibc
#endif

/// A Xen hypervisor image: `/boot/xen-*.gz` (a gzip'd ELF, what GRUB's
/// multiboot2 loads), `xen-*.efi` (a PE, read as it is), or a bare ELF
/// (xen.gz gunzipped, as for QEMU's `-kernel`). Recognised by content,
/// not by name.
///
/// The version. Xen prints `Xen version %d.%d%s ...` with its major and
/// minor number as immediates in code (no string holds them) and
/// `XEN_EXTRAVERSION`; measured here, that extra version is `.7` in Debian
/// 12's 4.17.7 but `.5-pre` in Debian 13's 4.20.4 (built from the
/// stable-4.20 branch 63 commits after 4.20.4, which already calls itself
/// 4.20.5-pre), and xen.efi holds a dozen other NUL-delimited `.4`-like
/// strings, so it alone decides nothing. Debian's build adds its package
/// version to the banner (`Xen version %d.%d%s (%s %s) ...`, printed as
/// `(Debian 4.17.7+13-g2445b30a44-0+deb12u1)`) as a string of its own:
/// `4.17.7+13-g2445b30a44-0+deb12u1` in 4.17 (xen.gz and xen.efi),
/// `4.20.4+63-g7abfd2bce2-0+deb13u1` in 4.20. The rule: the image must
/// hold the banner format, and exactly one distinct NUL-delimited string
/// `MAJOR.MINOR.PATCH[suffix]` with MAJOR at least 4 (no other such string
/// is in any of the four images); that string is the version. None, or
/// several, is "unknown": a build without Debian's string (upstream's) is
/// not guessed from its file name.
public struct XenImage: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable {
        /// xen-*.gz: gzip around an ELF.
        case gzipELF
        case elf
        /// xen.efi
        case pe
    }

    public var format: Format
    /// `4.17.7+13-g2445b30a44-0+deb12u1`
    public var versionText: String
    public var version: LoaderVersion
    public var digests: [PatchDigest]?

    public var compression: Compression? { format == .gzipELF ? .gzip : nil }

    static let banner = Array("Xen version %d.%d%s".utf8)
    static let versionTextLimit = 64

    /// Reads the image in `bytes` (a whole file); xen.gz is decompressed
    /// within `bound`.
    public static func read(_ bytes: [UInt8], bound: DecompressionBound = .standard) throws(ParseError) -> XenImage {
        let format: Format
        let contents: [UInt8]
        if bytes.starts(with: [0x1f, 0x8b]) {
            format = .gzipELF
            // gzip's trailer ends in the decompressed size (mod 2^32): a hint
            // for one allocation, never trusted as a bound.
            let size = bytes.count >= 8 ? Int(try bytes[...].u32(at: bytes.count - 4)) : 0
            contents = try Decompression.decompress(bytes[...], as: .gzip, at: 0, bound: bound, sizeHint: size)
            guard contents.starts(with: elfMagic) else {
                throw ParseError(offset: 0, .loaderBinary(.notELF(bytes: shown(contents))))
            }
        } else if bytes.starts(with: elfMagic) {
            format = .elf
            contents = bytes
        } else if bytes.starts(with: "MZ".utf8) {
            format = .pe
            try checkPE(bytes)
            contents = bytes
        } else {
            throw ParseError(offset: 0, .loaderBinary(.notXenImage(bytes: shown(bytes))))
        }
        // Offsets inside a decompressed xen.gz are not offsets of the file:
        // the version problems carry the file's start.
        guard contains(contents, banner) else { throw ParseError(offset: 0, .loaderBinary(.noXenBanner)) }
        let candidates = versionStrings(in: contents)
        guard candidates.count == 1, let text = candidates.first, let version = LoaderVersion(parsing: text) else {
            throw ParseError(offset: 0, .loaderBinary(.unknownXenVersion(candidates: candidates)))
        }
        return XenImage(format: format, versionText: text, version: version, digests: DigestTable.find(in: contents))
    }

    static let elfMagic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]

    /// xen.efi's headers and section table, read by the one PE reader
    /// (PEImage, as efi and inspect read it); its problem is this image's.
    private static func checkPE(_ bytes: [UInt8]) throws(ParseError) {
        do {
            _ = try PEImage.parse(bytes, fileSize: bytes.count)
        } catch {
            throw ParseError(offset: error.offset, .loaderBinary(.badPE(error.reason)))
        }
    }

    private static func shown(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? "(none)" : bytes.prefix(4).map { Hex.padded(String($0, radix: 16), to: 2) }.joined(separator: " ")
    }

    /// Whether `needle` occurs in `bytes`: memchr(3) to each candidate first
    /// byte, memcmp(3) there (Glibc's module does not export memmem).
    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        return bytes.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let base = haystack.baseAddress, let wanted = pattern.baseAddress else { return false }
                var offset = 0
                while haystack.count - offset >= pattern.count {
                    guard let hit = memchr(base + offset, Int32(first), haystack.count - offset - pattern.count + 1) else { return false }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, wanted, pattern.count) == 0 { return true }
                    offset = at + 1
                }
                return false
            }
        }
    }

    /// The distinct NUL-delimited strings of the form `MAJOR.MINOR.PATCH`
    /// plus an optional suffix of printable non-space ASCII starting with
    /// `+`, `-` or `~`, MAJOR at least 4, at most `versionTextLimit` bytes;
    /// in the order first found. One pass.
    static func versionStrings(in bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBytes { raw -> [String] in
            var found: [String] = []
            var index = 1
            let count = raw.count
            while index < count {
                defer { index += 1 }
                let first = raw[index]
                guard first >= UInt8(ascii: "4"), first <= UInt8(ascii: "9"), raw[index - 1] == 0 else { continue }
                guard let end = versionEnd(raw, from: index) else { continue }
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[index..<end]), as: UTF8.self)
                if !found.contains(text) { found.append(text) }
                // Bound the work on hostile inputs full of candidates.
                if found.count > 8 { return found }
                index = end
            }
            return found
        }
    }

    /// Where the version string starting at `start` ends (its NUL), or nil
    /// when the bytes there are not one.
    private static func versionEnd(_ raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        let limit = min(raw.count, start + versionTextLimit + 1)
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        // Three numbers of 1 to 4 digits, separated by dots.
        for part in 0..<3 {
            let digits = index
            while index < limit, isDigit(raw[index]), index - digits < 4 { index += 1 }
            guard index > digits, index < limit else { return nil }
            if part < 2 {
                guard raw[index] == UInt8(ascii: ".") else { return nil }
                index += 1
            }
        }
        if raw[index] == 0 { return index }
        guard raw[index] == UInt8(ascii: "+") || raw[index] == UInt8(ascii: "-") || raw[index] == UInt8(ascii: "~") else { return nil }
        while index < limit {
            let byte = raw[index]
            if byte == 0 { return index }
            guard byte > 0x20, byte < 0x7f else { return nil }
            index += 1
        }
        return nil
    }
}
