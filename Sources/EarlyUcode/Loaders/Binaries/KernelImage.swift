/// A Linux x86 bzImage (`/boot/vmlinuz-*`): the boot header's version
/// string and the compressed kernel it carries, which holds the AMD digest
/// list when the kernel checks patch digests.
///
/// Header fields, from Linux Documentation/arch/x86/boot.rst (boot protocol
/// 2.08, Linux 2.6.26, added the payload fields; Debian 12's 6.1.192 and
/// Debian 13's 6.12.117 both speak 2.15):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0x1f1 | 1 | setup_sects (0 means 4) |
/// | 0x1fe | 2 | boot_flag 0xaa55 |
/// | 0x202 | 4 | header "HdrS" |
/// | 0x206 | 2 | version (boot protocol) |
/// | 0x20e | 2 | kernel_version: the version string at this + 0x200 |
/// | 0x248 | 4 | payload_offset, from the protected-mode code |
/// | 0x24c | 4 | payload_length |
///
/// The protected-mode code starts at (setup_sects + 1) * 512.
public struct KernelImage: Sendable, Equatable {
    public var bootProtocol: UInt16
    /// Bytes before the protected-mode code: (setup_sects + 1) * 512.
    public var setupSize: Int
    /// The header's version string: `6.1.0-57-amd64 (debian-kernel@...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)`.
    public var versionText: String
    public var release: LoaderVersion
    /// Where the compressed kernel is in the file.
    public var payload: Range<Int>
    public var compression: Compression
    /// What the payload's last 4 bytes say it decompresses to.
    public var claimedSize: Int

    static let headerEnd = 0x250
    static let bootFlagOffset = 0x1fe
    static let signatureOffset = 0x202
    static let protocolOffset = 0x206
    static let versionPointerOffset = 0x20e
    static let payloadOffsetOffset = 0x248
    static let payloadLengthOffset = 0x24c
    /// 2.08: the first protocol with payload_offset and payload_length.
    static let payloadProtocol: UInt16 = 0x208
    /// Real version strings are about 110 bytes.
    static let versionTextLimit = 512

    /// The header, checked field by field: every offset and length is
    /// inside the file before it is used.
    public static func header(_ bytes: [UInt8]) throws(ParseError) -> KernelImage {
        let file = bytes[...]
        let size = file.count
        guard size >= protocolOffset + 2 else {
            throw ParseError(offset: size, .loaderBinary(.kernelTooShort(size: size, need: protocolOffset + 2)))
        }
        let flag = try file.u16(at: bootFlagOffset)
        guard flag == 0xaa55 else { throw ParseError(offset: bootFlagOffset, .loaderBinary(.noBootFlag(found: flag))) }
        guard file[signatureOffset..<(signatureOffset + 4)].elementsEqual("HdrS".utf8) else {
            throw ParseError(offset: signatureOffset, .loaderBinary(.noHeaderSignature))
        }
        let bootProtocol = try file.u16(at: protocolOffset)
        guard bootProtocol >= payloadProtocol else {
            throw ParseError(offset: protocolOffset, .loaderBinary(.bootProtocolTooOld(bootProtocol)))
        }
        guard size >= headerEnd else {
            throw ParseError(offset: size, .loaderBinary(.kernelTooShort(size: size, need: headerEnd)))
        }
        let sectors = Int(try file.u8(at: 0x1f1))
        let setupSize = ((sectors == 0 ? 4 : sectors) + 1) * 512
        guard setupSize <= size else {
            throw ParseError(offset: 0x1f1, .loaderBinary(.setupPastEnd(setupSize: setupSize, fileSize: size)))
        }

        let pointer = Int(try file.u16(at: versionPointerOffset))
        guard pointer != 0 else { throw ParseError(offset: versionPointerOffset, .loaderBinary(.noVersionString)) }
        let textStart = pointer + 0x200
        guard textStart < setupSize else {
            throw ParseError(offset: versionPointerOffset, .loaderBinary(.versionPointerOutside(textStart, setupSize: setupSize)))
        }
        let versionText = try text(file, at: textStart, end: min(setupSize, textStart + versionTextLimit))

        let payloadOffset = Int(try file.u32(at: payloadOffsetOffset))
        let payloadLength = Int(try file.u32(at: payloadLengthOffset))
        guard payloadLength >= 6 else { throw ParseError(offset: payloadLengthOffset, .loaderBinary(.payloadTooShort(payloadLength))) }
        // Both are u32 and setupSize is at most 256 * 512: no overflow in Int.
        let start = setupSize + payloadOffset
        guard start <= size, payloadLength <= size - start else {
            throw ParseError(offset: payloadOffsetOffset, .loaderBinary(.payloadPastEnd(start: start, length: payloadLength, fileSize: size)))
        }
        let payload = start..<(start + payloadLength)
        guard let compression = Compression(magic: file[payload].prefix(2)) else {
            let shown = file[payload].prefix(4).map { Hex.padded(String($0, radix: 16), to: 2) }.joined(separator: " ")
            throw ParseError(offset: start, .loaderBinary(.unknownCompression(bytes: shown)))
        }
        guard let release = release(from: versionText) else {
            throw ParseError(offset: textStart, .loaderBinary(.unknownKernelRelease(versionText)))
        }
        let claimed = Int(try file.u32(at: payload.upperBound - 4))
        return KernelImage(bootProtocol: bootProtocol, setupSize: setupSize, versionText: versionText, release: release,
                           payload: payload, compression: compression, claimedSize: claimed)
    }

    /// The compressed stream without the size the build appends: Linux's
    /// scripts/Makefile.lib `*_with_size` commands (`size_append`), used by
    /// arch/x86/boot/compressed/Makefile for bzip2, lzma, xz, lzo, lz4 and
    /// zstd, add the decompressed size as 4 bytes after the stream (mkpiggy
    /// reads the last 4 bytes as the output length); gzip's own trailer
    /// ends in that size already. Measured: Debian 12's xz payload ends in
    /// 65,906,612 and Debian 13's zstd payload in 57,646,496, the sizes
    /// they decompress to; libarchive's xz and zstd decoders fail on the 4
    /// stray bytes ("No progress is possible", "Unknown frame descriptor").
    public var stream: Range<Int> {
        compression == .gzip ? payload : payload.lowerBound..<(payload.upperBound - 4)
    }

    /// The release a version string names. Debian's uname is `X.Y.0-ABI`
    /// on Debian 12 (`6.1.0-57-amd64`), so its package version, the
    /// `Debian 6.1.192-3` part, comes first; otherwise the uname's leading
    /// `X.Y.Z` (`6.12.117+deb13-amd64`, a kernel.org build's `6.14.2`).
    public static func release(from text: String) -> LoaderVersion? {
        if let range = text.ranges(of: " Debian ").last,
           let version = LoaderVersion(parsing: text[range.upperBound...]) {
            return version
        }
        return LoaderVersion(parsing: text)
    }

    /// The NUL-terminated printable ASCII string at `start`, before `end`.
    private static func text(_ file: ArraySlice<UInt8>, at start: Int, end: Int) throws(ParseError) -> String {
        var index = start
        while index < end {
            let byte = file[index]
            if byte == 0 { return String(decoding: file[start..<index], as: UTF8.self) }
            guard byte >= 0x20, byte < 0x7f else { throw ParseError(offset: index, .loaderBinary(.versionStringNotText(byte))) }
            index += 1
        }
        throw ParseError(offset: start, .loaderBinary(.versionStringUnterminated(limit: end - start)))
    }

    /// The header, the payload decompressed within `bound`, and the digest
    /// table in it (nil: the kernel has none, as 6.1 has none).
    public static func read(_ bytes: [UInt8], bound: DecompressionBound = .standard) throws(ParseError) -> (image: KernelImage, digests: [PatchDigest]?) {
        let image = try header(bytes)
        // The size the payload claims, before a byte is decompressed: a
        // payload that says gigabytes stops here; one that lies is stopped
        // by the bound while it decompresses.
        let limit = bound.limit(compressed: image.stream.count)
        guard image.claimedSize <= limit else {
            throw ParseError(offset: image.payload.upperBound - 4, .loaderBinary(
                .claimedSizeTooLarge(image.compression, claimed: image.claimedSize, limit: limit, compressed: image.stream.count)))
        }
        let kernel = try Decompression.decompress(bytes[image.stream], as: image.compression, at: image.payload.lowerBound, bound: bound,
                                                  sizeHint: image.claimedSize)
        return (image, DigestTable.find(in: kernel))
    }
}
