/// What is wrong with the EFI boot path as early-ucode reads it: xen.efi's
/// configuration file (`XenEFIConfig`), PE/COFF images (`PEImage`: xen.efi,
/// unified kernel images), and the EFI system partition it writes to
/// (`XenEFI`). The wrapper (`ParseError`, `InputError`) adds the file and
/// the line or offset.
public enum EFIError: Sendable, Equatable, CustomStringConvertible {
    // MARK: xen.cfg (the rules of Xen's xen/common/efi/boot.c pre_parse() and get_value())
    case configLineTooLong(length: Int, limit: Int)
    /// A control byte other than the end of a line: Xen ends the line there.
    case configControlCharacter(byte: UInt8, column: Int)
    case configNonASCII(byte: UInt8, column: Int)
    /// A carriage return not followed by a line feed.
    case configLoneCarriageReturn(column: Int)
    case configNoFinalNewline
    case configSectionWithoutName
    case configSectionUnterminated
    case configSectionNameNotWord(String)
    case configTextAfterSection(String)
    case configDuplicateSection(String, firstLine: Int)
    case configKeyOutsideSection(String)
    case configNotKeyValue(String)
    case configSpaceBeforeEquals(String)
    case configBadKey(String)
    case configDuplicateKey(String, section: String, firstLine: Int)
    /// The file changed between reading it and replacing it.
    case configChangedWhileEditing

    // MARK: PE/COFF (Microsoft PE format specification; systemd src/boot/pe.c)
    case peTooShort(size: Int)
    case peNoMZ
    case pePEHeaderOffset(UInt32, fileSize: Int)
    case peNoSignature
    case peNoSections
    case peTooManySections(Int, limit: Int)
    case peOptionalHeaderTooSmall(size: Int, need: Int)
    case peBadOptionalMagic(UInt16)
    case peSectionTableOutside(end: Int, fileSize: Int)
    case peSectionTableBeyondLimit(end: Int, limit: Int)
    case peSectionNameNotText(index: Int)
    case peSectionDataPastEnd(name: String, start: Int, size: Int, fileSize: Int)
    case peSectionOverlapsHeaders(name: String, start: Int, headersEnd: Int)
    case peSectionsOverlap(String, String, at: Int)
    case peSectionsOverlapInMemory(String, String, address: UInt32)
    case peVirtualRangeOverflows(name: String)

    // MARK: Unified kernel images (systemd-stub)
    /// A PE image without `.linux`: not a unified kernel image.
    case notUnifiedKernelImage(sections: [String])
    case ukiSectionTooLarge(name: String, size: Int, limit: Int)

    // MARK: The EFI system partition
    case espMissing
    case espNotDirectory
    /// As root: the ESP is neither a mount point nor a folder only root can write.
    case espUntrusted(Untrusted)

    public var description: String {
        switch self {
        case .configLineTooLong(let length, let limit):
            "line of \(length) bytes, longer than the \(limit) early-ucode reads in a xen.efi configuration"
        case .configControlCharacter(let byte, let column):
            "control byte \(Hex.byte(UInt32(byte))) at column \(column): xen.efi ends the line there and reads the rest as a line of its own"
        case .configNonASCII(let byte, let column):
            "byte \(Hex.byte(UInt32(byte))) at column \(column) is not ASCII (xen.efi treats 0x80-0x9f as line ends)"
        case .configLoneCarriageReturn(let column):
            "carriage return at column \(column) not followed by a line feed: xen.efi ends the line there"
        case .configNoFinalNewline:
            "no newline at the end of the file: xen.efi ignores the last line (\"No newline at end of config file\"); add one"
        case .configSectionWithoutName: "section without a name ('[]')"
        case .configSectionUnterminated: "'[' without ']': not a section header"
        case .configSectionNameNotWord(let name):
            "section name \"\(name.prefix(80))\" holds a space or '[': xen.efi's default= could not name it"
        case .configTextAfterSection(let text): "text after the section header's ']': \"\(text.prefix(80))\""
        case .configDuplicateSection(let name, let first):
            "section [\(name.prefix(80))] again (first on line \(first)): xen.efi reads only the first"
        case .configKeyOutsideSection(let key):
            "\(key.prefix(80))= before the first [section]"
        case .configNotKeyValue(let text): "neither [section] nor key=value: \"\(text.prefix(80))\""
        case .configSpaceBeforeEquals(let key):
            "space between \(key.prefix(80)) and '=': xen.efi matches '\(key.prefix(80))=' only, so it ignores this line"
        case .configBadKey(let key): "\"\(key.prefix(80))\" is not a key (letters, digits, '_', '-', '.')"
        case .configDuplicateKey(let key, let section, let first):
            "\(key.prefix(80))= again in [\(section.prefix(80))] (first on line \(first)): xen.efi reads only the first"
        case .configChangedWhileEditing: "changed while early-ucode edited it: nothing written; run the command again"
        case .peTooShort(let size): "\(size) bytes: too short for a PE image's MZ header"
        case .peNoMZ: "no \"MZ\" at offset 0: not a PE image"
        case .pePEHeaderOffset(let offset, let fileSize):
            "e_lfanew \(Hex.offset(Int(offset))) puts the PE header outside the \(fileSize)-byte file (or inside the MZ header)"
        case .peNoSignature: "no \"PE\\0\\0\" signature where e_lfanew points"
        case .peNoSections: "NumberOfSections is 0"
        case .peTooManySections(let count, let limit): "NumberOfSections \(count) is more than the \(limit) a PE loader accepts"
        case .peOptionalHeaderTooSmall(let size, let need): "SizeOfOptionalHeader \(size) is less than the \(need) bytes its fields take"
        case .peBadOptionalMagic(let magic): "optional header magic \(Hex.offset(Int(magic))) is neither PE32 (0x10b) nor PE32+ (0x20b)"
        case .peSectionTableOutside(let end, let fileSize): "section table ends at \(end), past the end of the \(fileSize)-byte file"
        case .peSectionTableBeyondLimit(let end, let limit): "section table ends at \(end), beyond the first \(limit) bytes a PE loader reads"
        case .peSectionNameNotText(let index): "section \(index)'s name is not printable ASCII padded with NUL bytes"
        case .peSectionDataPastEnd(let name, let start, let size, let fileSize):
            "section \(name)'s data (\(size) bytes at \(start)) runs past the end of the \(fileSize)-byte file"
        case .peSectionOverlapsHeaders(let name, let start, let headersEnd):
            "section \(name)'s data at \(start) overlaps the headers and section table (which end at \(headersEnd))"
        case .peSectionsOverlap(let first, let second, let at):
            "sections \(first) and \(second) overlap in the file at \(at)"
        case .peSectionsOverlapInMemory(let first, let second, let address):
            "sections \(first) and \(second) overlap in memory at \(Hex.offset(Int(address)))"
        case .peVirtualRangeOverflows(let name): "section \(name)'s VirtualAddress + VirtualSize overflows 32 bits"
        case .notUnifiedKernelImage(let sections):
            "a PE image without a .linux section: not a unified kernel image (sections: \(sections.prefix(12).joined(separator: " ")))"
        case .ukiSectionTooLarge(let name, let size, let limit): "section \(name) of \(size) bytes is more than the \(limit) read"
        case .espMissing: "no such folder: the EFI system partition is not mounted there (name it with --esp)"
        case .espNotDirectory: "not a folder (name the EFI system partition's mount point with --esp)"
        case .espUntrusted(let untrusted):
            "refusing to write as root: the ESP is not a mount point (a mounted FAT ESP has no owners; a folder has), and \(untrusted.subject) \(Self.reason(untrusted.reason)); fix with `\(untrusted.fix)`, or pass \(untrusted.override)"
        }
    }

    static func reason(_ reason: Untrusted.Reason) -> String {
        switch reason {
        case .becameSymbolicLink: "changed into a symbolic link while being checked"
        case .owner(let uid): "is owned by uid \(uid), not root"
        case .writable(let who, let mode): "is writable by \(who) (mode \(String(mode, radix: 8)))"
        }
    }
}
