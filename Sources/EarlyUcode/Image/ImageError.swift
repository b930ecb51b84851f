/// What is wrong with a boot image as a whole, or why `rebuild` refuses it.
public indirect enum ImageError: Sendable, Equatable, CustomStringConvertible {
    case misalignedHeader
    case unrecognisedData(atStart: Bool, bytes: String)
    case blobTooLarge(size: Int, limit: Int)
    case membersTooLarge(count: Int, total: Int, limit: Int)
    case memberTooLarge(name: String, size: Int, limit: Int)
    /// A microcode member's contents, as `inspect` reports them.
    case inMember(name: String, Problem)
    case readOutsideFile
    case copyRangeOutside(Range<Int>, size: Int)

    // rebuild's refusals.
    case emptyFile
    case bareBlob(Vendor)
    case compressedEarlyPart(Compression, member: String)
    case sharesArchiveNotFileOrFolder(String)
    case sharesArchiveHardLink(String)
    case sharesArchiveNotUTF8
    case onlyEarlyMicrocode
    case changedWhileRebuilt
    case verifyFailed(String)
    case noResult
    /// EARLY_UCODE=no and no CPUs on the command line: nothing to put in.
    case disabledByConfiguration(origin: String, image: String)

    public var description: String {
        switch self {
        case .misalignedHeader: "cpio header at an offset that is not a multiple of 4: the kernel's unpacker rejects it"
        case .unrecognisedData(let atStart, let bytes):
            "unrecognised data \(atStart ? "at the start of the image" : "after the cpio archives") (bytes \(bytes)): neither a cpio archive nor a compressed archive the kernel can unpack"
        case .blobTooLarge(let size, let limit): "a \(size)-byte microcode blob is more than the \(limit) bytes one may have"
        case .membersTooLarge(let count, let total, let limit):
            "\(count) microcode members hold \(total) bytes, more than the \(limit) inspect reads"
        case .memberTooLarge(let name, let size, let limit): "\(name) is \(size) bytes, more than the \(limit) a microcode file may have"
        case .inMember(let name, let problem): name.isEmpty ? problem.description : "\(name): \(problem)"
        case .readOutsideFile: "read outside the file"
        case .copyRangeOutside(let range, let size): "copy range \(range) is outside the file (\(size) bytes)"
        case .emptyFile: "the file is empty, not an initrd; refusing to rebuild it"
        case .bareBlob(let vendor):
            "a bare \(vendor.rawValue) microcode blob, not an initrd (cpio); refusing to rebuild it (use build to write an early archive)"
        case .compressedEarlyPart(let compression, let member):
            "the \(compression.rawValue) archive here holds \(member): an early part that was compressed, which no early loader reads; refusing to rebuild an image laid out like this"
        case .sharesArchiveNotFileOrFolder(let name):
            "\(name) shares an archive with microcode and is neither a file nor a folder; refusing to rewrite that archive"
        case .sharesArchiveHardLink(let name): "\(name) shares an archive with microcode and is a hard link; refusing to rewrite that archive"
        case .sharesArchiveNotUTF8: "a member name that is not UTF-8 shares an archive with microcode; refusing to rewrite that archive"
        case .onlyEarlyMicrocode: "the image holds nothing but early microcode: removing it would leave no initrd; refusing"
        case .changedWhileRebuilt: "the image changed while it was rebuilt; nothing written, run again"
        case .verifyFailed(let what): "check of the written image failed (\(what)); nothing replaced"
        case .noResult: "internal error: no result"
        case .disabledByConfiguration(let origin, let image):
            "EARLY_UCODE=no in \(origin): nothing to build; \(image) left unchanged (--none removes early microcode, --host/--cpu/--all choose CPUs)"
        }
    }
}
