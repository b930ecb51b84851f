/// What is wrong with the cpio archives at the front of an image, or what
/// libarchive said.
public enum ArchiveError: Sendable, Equatable, CustomStringConvertible {
    /// Zero bytes inside an archive that has not ended.
    case zerosBeforeTrailer(archiveOffset: Int)
    case noTrailer(archiveOffset: Int)
    case truncatedHeader(left: Int)
    case oldPortableFormat
    case badHeaderField(name: String, text: String)
    case nameSize(Int)
    case memberPastEnd(name: String, needs: Int, left: Int)
    case nameNotTerminated
    /// libarchive's own message (its callbacks' errors are reported as
    /// theirs, with the file and the system's reason).
    case library(String)

    public var description: String {
        switch self {
        case .zerosBeforeTrailer(let offset):
            "zero bytes where the next cpio header should be: the archive at \(offset) has no \(CPIO.trailerName) (truncated or padded inside)"
        case .noTrailer(let offset): "the cpio archive at \(offset) ends without \(CPIO.trailerName) (truncated?)"
        case .truncatedHeader(let left): "truncated cpio header: \(left) bytes left, a header has \(CPIO.headerSize)"
        case .oldPortableFormat:
            "old portable (odc, \(CPIO.odcMagic)) cpio header: Linux reads only newc (\(CPIO.newcMagic)) and crc (\(CPIO.crcMagic)) archives"
        case .badHeaderField(let name, let text): "cpio header field \(name) is \(text.debugDescription), not 8 hexadecimal digits"
        case .nameSize(let size): "cpio name size \(size) is outside 1...\(CPIO.maximumNameSize)"
        case .memberPastEnd(let name, let needs, let left):
            "cpio member \(name.debugDescription) runs past the end of the image (it needs \(needs) bytes, \(left) are left): truncated"
        case .nameNotTerminated: "cpio member name is not NUL-terminated"
        case .library(let message): "libarchive: \(message)"
        }
    }
}
