import CLibArchive

/// A look at the first names inside the compressed archive after the early
/// part, to tell a main archive from an early archive someone compressed
/// (which no early loader can read). Decompresses only as far as those
/// first headers.
public enum CompressedPeek {
    public enum Result: Sendable, Equatable {
        /// It starts like a main archive (or holds no microcode near its start).
        case mainArchive
        /// It holds a microcode member the early loaders will never see.
        case microcodeInside(String)
        /// libarchive could not read it (unsupported filter, damage).
        case unreadable(String)
    }

    /// Early archives put their microcode within the first few members.
    static let entriesToLook = 16

    public static func peek(_ image: ImageFile, at offset: Int) -> Result {
        guard let handle = archive_read_new() else { return .unreadable("libarchive: cannot allocate a reader") }
        defer { archive_read_free(handle) }
        archive_read_support_filter_all(handle)
        archive_read_support_format_cpio(handle)
        let source = PeekSource(image: image, offset: offset)
        let context = Unmanaged.passUnretained(source).toOpaque()
        let opened = archive_read_open(handle, context, nil, { _, context, buffer in
            guard let context, let buffer else { return -1 }
            let source = Unmanaged<PeekSource>.fromOpaque(context).takeUnretainedValue()
            return source.next(buffer)
        }, nil)
        return withExtendedLifetime(source) {
            guard opened == ARCHIVE_OK else { return .unreadable(message(handle)) }
            var entry: OpaquePointer?
            for _ in 0..<entriesToLook {
                let status = archive_read_next_header(handle, &entry)
                if status == ARCHIVE_EOF { return .mainArchive }
                guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { return .unreadable(message(handle)) }
                let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
                let bare = name.hasPrefix("./") ? String(name.dropFirst(2)) : name
                if bare.hasPrefix("kernel/x86/microcode/"), (archive_entry_filetype(entry) & 0o170000) == 0o100000 {
                    return .microcodeInside(name)
                }
                // The first name outside the early folders says: this is the main archive.
                if !(bare.isEmpty || bare == "." || bare == "early_cpio" || bare == "kernel" || bare.hasPrefix("kernel/")) {
                    return .mainArchive
                }
            }
            return .mainArchive
        }
    }

    private static func message(_ handle: OpaquePointer) -> String {
        archive_error_string(handle).map { "libarchive: " + String(cString: $0) } ?? "libarchive: unreadable"
    }
}

/// Feeds libarchive the image from an offset, a chunk at a time, from one
/// buffer that lives as long as the reader.
private final class PeekSource {
    let image: ImageFile
    var offset: Int
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 4096)

    init(image: ImageFile, offset: Int) {
        self.image = image
        self.offset = offset
    }

    deinit { buffer.deallocate() }

    func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        guard let count = image.readDirect(at: offset, into: buffer) else { return -1 }
        offset += count
        out.pointee = UnsafeRawPointer(buffer.baseAddress)
        return count
    }
}
