/// The headers and section table of a PE/COFF image (xen.efi, a unified
/// kernel image, any `.efi`), read strictly: every offset and size is
/// checked against the bytes read and the file's size before it is used,
/// and the table must describe each byte of the file at most once.
///
/// Layout (Microsoft's PE format specification): the MZ header's
/// `e_lfanew` (u32 at 0x3c) points at `PE\0\0`; the 20-byte COFF header
/// follows (Machine, NumberOfSections, ..., SizeOfOptionalHeader at +16),
/// then the optional header (magic 0x10b PE32 or 0x20b PE32+; 96 or 112
/// bytes of fixed fields, then NumberOfRvaAndSizes 8-byte data
/// directories), then NumberOfSections 40-byte section headers: Name[8],
/// VirtualSize, VirtualAddress, SizeOfRawData, PointerToRawData, ...,
/// Characteristics.
///
/// What a loader takes from a section (systemd's src/boot/pe.c, which
/// systemd-stub uses, and Xen's copy of it in xen/common/efi/pe.c): the
/// first section of a name wins; its bytes in memory are
/// `min(SizeOfRawData, VirtualSize)` bytes read from `PointerToRawData`,
/// then zeros up to `VirtualSize` (SizeOfRawData is rounded up to
/// FileAlignment, VirtualSize is the real length).
public struct PEImage: Sendable, Equatable {
    public struct Section: Sendable, Equatable {
        /// Up to 8 bytes; `/N` names (into the COFF string table, used by
        /// unstripped objects) are kept as written.
        public var name: String
        public var index: Int
        public var virtualSize: UInt32
        public var virtualAddress: UInt32
        public var rawSize: UInt32
        public var rawOffset: UInt32
        public var characteristics: UInt32

        /// The bytes a loader copies from the file (none for a section
        /// without raw data, such as .bss, whatever its PointerToRawData says).
        public var fileRange: Range<Int> {
            guard rawSize > 0 else { return 0..<0 }
            let start = Int(rawOffset)
            return start..<(start + Int(min(rawSize, virtualSize)))
        }

        /// The zeros a loader adds after them, up to VirtualSize.
        public var zeroFill: Int { Int(virtualSize) - fileRange.count }

        /// What the section holds in memory: file bytes and zero fill.
        public var memorySize: Int { Int(virtualSize) }
    }

    /// IMAGE_FILE_MACHINE_*: 0x8664 x86-64, 0x14c i386, 0xaa64 arm64.
    public var machine: UInt16
    /// PE32+ (64-bit optional header).
    public var isPE32Plus: Bool
    public var fileSize: Int
    /// Where the section table ends: the end of the headers.
    public var headersEnd: Int
    public var sections: [Section]

    /// The PE format specification: "the Windows loader limits the number
    /// of sections to 96" (systemd's pe.c refuses more too).
    public static let sectionLimit = 96
    /// How much of a file the headers must fit in: real images end their
    /// section table within the first KiB.
    public static let headerLimit = 64 << 10

    static let mzSize = 0x40
    static let coffSize = 20
    static let sectionHeaderSize = 40

    /// The first section named `name`, as systemd-stub and Xen pick it.
    public func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// Whether `bytes` start like a PE image ("MZ").
    public static func looksLikePE(_ bytes: some Collection<UInt8>) -> Bool { bytes.starts(with: [0x4d, 0x5a]) }

    /// Reads the headers from `head`, the first bytes of a file of
    /// `fileSize` bytes (at least `min(fileSize, headerLimit)` of them).
    /// Offsets in errors are offsets in the file.
    public static func parse(_ head: [UInt8], fileSize: Int) throws(ParseError) -> PEImage {
        let bytes = head.prefix(min(fileSize, headerLimit))
        func fail(_ offset: Int, _ error: EFIError) -> ParseError { ParseError(offset: offset, .efi(error)) }
        guard bytes.count >= mzSize else { throw fail(bytes.count, .peTooShort(size: fileSize)) }
        guard looksLikePE(bytes) else { throw fail(0, .peNoMZ) }
        let lfanew = try bytes.u32(at: 0x3c)
        // At least past the MZ header (systemd: e_lfanew >= sizeof(DosFileHeader)),
        // and room for the signature and the COFF header inside what was read.
        let coffEnd = Int(lfanew) + 4 + coffSize
        guard Int(lfanew) >= mzSize, coffEnd <= fileSize else { throw fail(0x3c, .pePEHeaderOffset(lfanew, fileSize: fileSize)) }
        guard coffEnd <= bytes.count else { throw fail(0x3c, .peSectionTableBeyondLimit(end: coffEnd, limit: headerLimit)) }
        let pe = Int(lfanew)
        guard bytes[pe..<(pe + 4)].elementsEqual([0x50, 0x45, 0, 0]) else { throw fail(pe, .peNoSignature) }
        let coff = pe + 4
        let machine = try bytes.u16(at: coff)
        let count = Int(try bytes.u16(at: coff + 2))
        let optionalSize = Int(try bytes.u16(at: coff + 16))
        guard count > 0 else { throw fail(coff + 2, .peNoSections) }
        guard count <= sectionLimit else { throw fail(coff + 2, .peTooManySections(count, limit: sectionLimit)) }

        // The optional header: its magic, then enough room for its fixed
        // fields and the data directories it says it has.
        let optional = coff + coffSize
        let tableStart = optional + optionalSize
        let tableEnd = tableStart + count * sectionHeaderSize
        guard tableEnd <= bytes.count else {
            throw fail(coff + 16, tableEnd > fileSize ? .peSectionTableOutside(end: tableEnd, fileSize: fileSize)
                                                      : .peSectionTableBeyondLimit(end: tableEnd, limit: headerLimit))
        }
        guard optionalSize >= 2 else { throw fail(coff + 16, .peOptionalHeaderTooSmall(size: optionalSize, need: 2)) }
        let magic = try bytes.u16(at: optional)
        guard magic == 0x10b || magic == 0x20b else { throw fail(optional, .peBadOptionalMagic(magic)) }
        let isPlus = magic == 0x20b
        let fixed = isPlus ? 112 : 96
        guard optionalSize >= fixed else { throw fail(coff + 16, .peOptionalHeaderTooSmall(size: optionalSize, need: fixed)) }
        let directories = Int(try bytes.u32(at: optional + fixed - 4))
        // u32 * 8 fits in Int; compared before any use.
        guard directories * 8 <= optionalSize - fixed else {
            throw fail(optional + fixed - 4, .peOptionalHeaderTooSmall(size: optionalSize, need: fixed + directories * 8))
        }

        var sections: [Section] = []
        for index in 0..<count {
            let at = tableStart + index * sectionHeaderSize
            let nameBytes = bytes[at..<(at + 8)]
            let nameLength = nameBytes.firstIndex(of: 0).map { $0 - at } ?? 8
            guard nameBytes.prefix(nameLength).allSatisfy({ $0 > 0x20 && $0 < 0x7f }),
                  nameBytes.dropFirst(nameLength).allSatisfy({ $0 == 0 })
            else { throw fail(at, .peSectionNameNotText(index: index)) }
            sections.append(Section(
                name: String(decoding: nameBytes.prefix(nameLength), as: UTF8.self),
                index: index,
                virtualSize: try bytes.u32(at: at + 8),
                virtualAddress: try bytes.u32(at: at + 12),
                rawSize: try bytes.u32(at: at + 16),
                rawOffset: try bytes.u32(at: at + 20),
                characteristics: try bytes.u32(at: at + 36)))
        }

        // Each section's file bytes inside the file and after the headers.
        for section in sections where section.rawSize > 0 {
            let at = tableStart + section.index * sectionHeaderSize
            let start = Int(section.rawOffset)
            let size = Int(section.rawSize)
            // Both u32: their sum cannot overflow Int.
            guard start + size <= fileSize else {
                throw fail(at + 16, .peSectionDataPastEnd(name: section.name, start: start, size: size, fileSize: fileSize))
            }
            guard start >= tableEnd else {
                throw fail(at + 20, .peSectionOverlapsHeaders(name: section.name, start: start, headersEnd: tableEnd))
            }
            guard UInt64(section.virtualAddress) + UInt64(max(section.virtualSize, section.rawSize)) <= UInt64(UInt32.max) else {
                throw fail(at + 12, .peVirtualRangeOverflows(name: section.name))
            }
        }
        // No byte of the file in two sections, no address in two sections.
        let inFile = sections.filter { $0.rawSize > 0 }.sorted { ($0.rawOffset, $0.index) < ($1.rawOffset, $1.index) }
        for (earlier, later) in zip(inFile, inFile.dropFirst()) where UInt64(earlier.rawOffset) + UInt64(earlier.rawSize) > UInt64(later.rawOffset) {
            throw fail(tableStart + later.index * sectionHeaderSize + 20, .peSectionsOverlap(earlier.name, later.name, at: Int(later.rawOffset)))
        }
        let inMemory = sections.filter { $0.virtualSize > 0 }
            .sorted { ($0.virtualAddress, $0.index) < ($1.virtualAddress, $1.index) }
        for (earlier, later) in zip(inMemory, inMemory.dropFirst())
        where UInt64(earlier.virtualAddress) + UInt64(earlier.virtualSize) > UInt64(later.virtualAddress) {
            throw fail(tableStart + later.index * sectionHeaderSize + 12,
                       .peSectionsOverlapInMemory(earlier.name, later.name, address: later.virtualAddress))
        }
        return PEImage(machine: machine, isPE32Plus: isPlus, fileSize: fileSize, headersEnd: tableEnd, sections: sections)
    }

    /// Reads the headers of the PE image in `file` (only its first `headerLimit` bytes).
    public static func read(_ file: ImageFile) throws(InputError) -> PEImage {
        let head = try file.read(at: 0, count: min(file.size, headerLimit))
        do throws(ParseError) {
            return try parse(head, fileSize: file.size)
        } catch {
            throw InputError(path: file.path, error)
        }
    }
}
