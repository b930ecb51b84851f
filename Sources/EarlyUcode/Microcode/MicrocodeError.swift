/// What is wrong with a microcode file: Intel updates, .dat text, AMD
/// containers, and the sources as a whole.
public indirect enum MicrocodeError: Sendable, Equatable, CustomStringConvertible {
    // Intel updates (FORMATS.md "Intel microcode update").
    case truncatedUpdateHeader(left: Int)
    case headerVersion(UInt32)
    case loaderVersion(UInt32)
    case dataSizeNotMultipleOf4(Int)
    case totalSizeBelowHeaderAndData(total: Int, needed: Int)
    case totalSizeNotMultipleOf1024(Int)
    case totalSizePastEnd(total: Int, left: Int)
    case checksum(sum: UInt32)
    case extendedTableShorterThanHeader(size: Int)
    case extendedTableCount(count: Int, expected: Int, size: Int)
    case extendedTableChecksum(sum: UInt32)
    case extendedSignatureChecksum(index: Int, signature: CPUSignature)

    // AMD containers.
    case truncatedContainerHeader(left: Int)
    case containerMagic(UInt32)
    case firstSectionType(UInt32)
    case equivalenceTableLength(Int)
    case equivalenceTablePastEnd(length: Int, left: Int)
    case zeroEntryNotLast
    case patchSectionTooSmall(Int)
    case patchSectionImplausible(Int)
    case patchSectionPastEnd(size: Int, left: Int)
    /// After a container's patches: neither a patch section nor a magic.
    case unexpectedSection(type: UInt32)
    case strayBytes(Int)

    // Intel .dat text.
    case datEmptyValue
    case datMissingComma
    case datExpectedHexValue
    case datTooManyDigits
    case datNoDigits
    case datUnexpectedCharacter
    /// A problem in the updates the text decodes to, at that byte of them.
    case inDecodedUpdates(Problem, byte: Int)

    // Files and sources.
    case notMicrocode(String)
    case unknownFormat
    /// No source held any microcode: where was looked, and whether the
    /// system's folders were (then the package hint applies).
    case nothingFound(places: [String], systemFolders: Bool)

    public var description: String {
        switch self {
        case .truncatedUpdateHeader(let left):
            "truncated update header: \(left) bytes left, a header has \(IntelUpdate.headerSize)"
        case .headerVersion(let value): "header version is \(Hex.short(value)), expected 1"
        case .loaderVersion(let value): "loader version is \(Hex.short(value)), expected 1"
        case .dataSizeNotMultipleOf4(let size): "data size \(size) is not a multiple of 4"
        case .totalSizeBelowHeaderAndData(let total, let needed): "total size \(total) is less than header plus data (\(needed))"
        case .totalSizeNotMultipleOf1024(let total): "total size \(total) is not a multiple of 1024"
        case .totalSizePastEnd(let total, let left): "total size \(total) runs past the end of the file (\(left) bytes left)"
        case .checksum(let sum): "checksum is wrong (header and data sum to \(Hex.word(sum)), not 0)"
        case .extendedTableShorterThanHeader(let size):
            "extended signature table of \(size) bytes is shorter than its \(IntelUpdate.extendedHeaderSize)-byte header"
        case .extendedTableCount(let count, let expected, let size):
            "extended signature table counts \(count) entries (\(expected) bytes) but has \(size) bytes"
        case .extendedTableChecksum(let sum): "extended signature table checksum is wrong (table sums to \(Hex.word(sum)), not 0)"
        case .extendedSignatureChecksum(let index, let signature): "extended signature \(index) (\(signature)) has a wrong checksum"
        case .truncatedContainerHeader(let left):
            "truncated container header: \(left) bytes left, a header has \(AMDContainer.headerSize)"
        case .containerMagic(let magic): "not an AMD container (magic \(Hex.word(magic)), expected \(Hex.word(AMDContainer.magic)))"
        case .firstSectionType(let type): "first section has type \(type), expected 0 (equivalence table)"
        case .equivalenceTableLength(let length):
            "equivalence table length \(length) is not a positive multiple of \(EquivalenceEntry.size)"
        case .equivalenceTablePastEnd(let length, let left):
            "equivalence table length \(length) runs past the end of the file (\(left) bytes left)"
        case .zeroEntryNotLast: "equivalence entry with CPU 0 is not the all-zero last entry"
        case .patchSectionTooSmall(let size): "patch section size \(size) is smaller than a patch header (\(AMDPatch.headerSize))"
        case .patchSectionImplausible(let size): "patch section size \(size) is implausibly large"
        case .patchSectionPastEnd(let size, let left): "patch section size \(size) runs past the end of the file (\(left) bytes left)"
        case .unexpectedSection(let type): "expected a patch section or the next container, found section type \(type)"
        case .strayBytes(let count): "expected a patch section or the next container, found \(count) stray bytes"
        case .datEmptyValue: "empty value before ','"
        case .datMissingComma: "missing ',' between values"
        case .datExpectedHexValue: "expected a 0x-prefixed hexadecimal value"
        case .datTooManyDigits: "value has more than 8 hexadecimal digits"
        case .datNoDigits: "expected hexadecimal digits after 0x"
        case .datUnexpectedCharacter: "unexpected character in value"
        case .inDecodedUpdates(let problem, let byte): "\(problem) (at byte \(byte) of the decoded updates)"
        case .notMicrocode(let why): "not microcode: \(why)"
        case .unknownFormat: "not a known microcode format (neither an Intel update nor an AMD container)"
        case .nothingFound(let places, let systemFolders):
            "no microcode found in \(places.joined(separator: ", "))"
                + (systemFolders ? "; install Debian's intel-microcode or amd64-microcode (component non-free-firmware), or point --firmware-dir at a folder of microcode" : "")
        }
    }
}
