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
        do throws(LibArchiveReadFailure) {
            return try LibArchiveReader.withCPIO(PeekSource(image: image, offset: offset)) { reader throws(LibArchiveReadFailure) -> Result in
                for _ in 0..<entriesToLook {
                    guard let entry = try reader.next() else { return .mainArchive }
                    let bare = entry.name.hasPrefix("./") ? String(entry.name.dropFirst(2)) : entry.name
                    if bare.hasPrefix("kernel/x86/microcode/"), entry.type == .regular {
                        return .microcodeInside(entry.name)
                    }
                    // The first name outside the early folders says: this is the main archive.
                    if !(bare.isEmpty || bare == "." || bare == "early_cpio" || bare == "kernel" || bare.hasPrefix("kernel/")) {
                        return .mainArchive
                    }
                }
                return .mainArchive
            }
        } catch {
            return .unreadable(error.message)
        }
    }
}

/// Feeds libarchive the image from an offset, a chunk at a time, from one
/// buffer that lives as long as the reader.
private final class PeekSource: LibArchiveSource {
    let image: ImageFile
    var offset: Int
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 4096)

    init(image: ImageFile, offset: Int) {
        self.image = image
        self.offset = offset
    }


    deinit { buffer.deallocate() }
    override func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        guard let count = image.readDirect(at: offset, into: buffer) else { return -1 }
        offset += count
        out.pointee = UnsafeRawPointer(buffer.baseAddress)
        return count
    }
}
