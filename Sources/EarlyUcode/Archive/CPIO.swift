/// The newc/crc cpio format as Linux's `find_cpio_data` (lib/earlycpio.c),
/// Xen's copy of it and the kernel's initramfs unpacker read it: the one
/// place its sizes, magics, names and mode bits are written down.
public enum CPIO {
    /// magic (6) + 13 fields of 8 hexadecimal digits.
    public static let headerSize = 110
    public static let newcMagic = "070701"
    /// The checksum variant; the early scan ignores the checksum.
    public static let crcMagic = "070702"
    /// Old portable format, which Linux does not read.
    public static let odcMagic = "070707"
    public static let trailerName = "TRAILER!!!"
    /// Headers, names and data start on 4-byte boundaries.
    public static let alignment = 4
    /// PATH_MAX: the longest name the kernel's unpacker accepts.
    public static let maximumNameSize = 4096

    /// The header fields after the magic, in order.
    public static let fieldNames = ["ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor",
                                    "rdevmajor", "rdevminor", "namesize", "check"]

    /// `st_mode`'s file-type bits (`S_IFMT`); libarchive's `AE_IF*` macros
    /// do not import into Swift.
    public static let typeMask: UInt32 = 0o170000

    public enum FileType: UInt32, Sendable {
        case regular = 0o100000
        case directory = 0o040000
        case symlink = 0o120000

        public init?(mode: UInt32) { self.init(rawValue: mode & CPIO.typeMask) }
    }

    /// The modes early-ucode writes: root-owned, read-only for others.
    public static let directoryMode: UInt32 = FileType.directory.rawValue | 0o755
    public static let regularFileMode: UInt32 = FileType.regular.rawValue | 0o644

    static func align4(_ value: Int) -> Int { (value + 3) & ~3 }
}
