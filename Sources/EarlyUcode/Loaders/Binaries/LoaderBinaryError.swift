/// Why an installed kernel or Xen image could not be read. The wrapper
/// (`ParseError`, then `InputError`) adds the file and the offset the
/// problem was found at, so each message is one line that names both.
public enum LoaderBinaryError: Sendable, Equatable, CustomStringConvertible {
    // The bzImage header (Linux Documentation/arch/x86/boot.rst).
    /// Fewer bytes than the header fields read need.
    case kernelTooShort(size: Int, need: Int)
    case noBootFlag(found: UInt16)
    case noHeaderSignature
    case bootProtocolTooOld(UInt16)
    case setupPastEnd(setupSize: Int, fileSize: Int)
    case noVersionString
    case versionPointerOutside(Int, setupSize: Int)
    case versionStringUnterminated(limit: Int)
    case versionStringNotText(UInt8)
    case payloadTooShort(Int)
    case payloadPastEnd(start: Int, length: Int, fileSize: Int)
    case unknownCompression(bytes: String)
    /// The kernel's header string holds no `X.Y.Z` release.
    case unknownKernelRelease(String)

    // Decompression (bzImage payload, xen.gz).
    case decompressionFailed(Compression, String)
    case decompressionUnsupported(Compression)
    /// More came out than `limit` allows for `compressed` input bytes.
    case decompressionBomb(Compression, limit: Int, compressed: Int)
    /// A kernel payload's trailing size says more than `limit`.
    case claimedSizeTooLarge(Compression, claimed: Int, limit: Int, compressed: Int)

    // Xen images.
    case notXenImage(bytes: String)
    case notELF(bytes: String)
    case badPE(String)
    case noXenBanner
    /// No single full version string; `candidates` are the distinct ones found.
    case unknownXenVersion(candidates: [String])

    /// A file of the loader cache that does not parse (never shown to users:
    /// a damaged entry is a miss).
    case damagedCacheEntry(String)

    public var description: String {
        switch self {
        case .kernelTooShort(let size, let need):
            "\(size) bytes, shorter than the \(need)-byte bzImage header: not a kernel image"
        case .noBootFlag(let found):
            "no boot flag 0xaa55 at 0x1fe (found 0x\(Hex.padded(String(found, radix: 16), to: 4))): not a bzImage"
        case .noHeaderSignature: "no \"HdrS\" at 0x202: not a bzImage (boot protocol 2.00 or later)"
        case .bootProtocolTooOld(let version):
            "boot protocol \(version >> 8).\(Hex.padded(String(version & 0xff, radix: 16), to: 2)) has no payload fields (2.08 or later needed)"
        case .setupPastEnd(let setupSize, let fileSize):
            "setup_sects puts the kernel at \(setupSize), past the end of the \(fileSize)-byte file"
        case .noVersionString: "kernel_version is 0: the header names no version"
        case .versionPointerOutside(let offset, let setupSize):
            "kernel_version points to \(offset), outside the \(setupSize)-byte setup code"
        case .versionStringUnterminated(let limit): "version string has no NUL within \(limit) bytes"
        case .versionStringNotText(let byte): "version string holds byte \(Hex.byte(UInt32(byte))), not printable ASCII"
        case .payloadTooShort(let length): "payload_length \(length) is too short for a compressed kernel and its 4-byte size"
        case .payloadPastEnd(let start, let length, let fileSize):
            "payload of \(length) bytes at \(start) runs past the end of the \(fileSize)-byte file"
        case .unknownCompression(let bytes):
            "payload starts with bytes \(bytes): not gzip, bzip2, lzma, xz, lzo, lz4 or zstd"
        case .unknownKernelRelease(let text):
            "unknown kernel version: header string \"\(text)\" holds no release number"
        case .decompressionFailed(let compression, let reason): "\(compression.rawValue) data does not decompress: \(reason)"
        case .decompressionUnsupported(let compression):
            "\(compression.rawValue) data: this libarchive has no built-in \(compression.rawValue) decoder"
        case .decompressionBomb(let compression, let limit, let compressed):
            "\(compression.rawValue) data of \(compressed) bytes decompresses to more than \(limit) bytes: stopped there (a decompression bomb, not a kernel or Xen image)"
        case .claimedSizeTooLarge(let compression, let claimed, let limit, let compressed):
            "\(compression.rawValue) payload of \(compressed) bytes says (in its last 4 bytes) it decompresses to \(claimed) bytes, more than the \(limit) allowed: not decompressed (a damaged payload or a decompression bomb)"
        case .notXenImage(let bytes):
            "starts with bytes \(bytes): not a gzip'd ELF (xen-*.gz), an ELF or a PE (xen.efi) image"
        case .notELF(let bytes): "decompressed image starts with bytes \(bytes), not an ELF header"
        case .badPE(let reason): "not a PE image: \(reason)"
        case .noXenBanner: "no \"Xen version %d.%d%s\" banner: not a Xen image"
        case .unknownXenVersion(let candidates):
            candidates.isEmpty
                ? "unknown Xen version: no full version string (Debian's builds embed one, e.g. 4.17.7+13-g2445b30a44-0+deb12u1)"
                : "unknown Xen version: several version strings (\(candidates.prefix(4).joined(separator: ", ")))"
        case .damagedCacheEntry(let reason): "damaged loader cache entry: \(reason)"
        }
    }
}
