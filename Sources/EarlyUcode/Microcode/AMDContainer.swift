/// One row of an AMD equivalence table: which CPU signature uses which
/// equivalence id (the id patches are built for).
public struct EquivalenceEntry: Hashable, Sendable {
    public static let size = 16

    public var installedCPU: CPUSignature
    public var errataMask: UInt32
    public var errataCompare: UInt32
    public var equivalenceID: UInt16
    public var reserved: UInt16

    public init(installedCPU: CPUSignature, errataMask: UInt32 = 0, errataCompare: UInt32 = 0, equivalenceID: UInt16, reserved: UInt16 = 0) {
        self.installedCPU = installedCPU
        self.errataMask = errataMask
        self.errataCompare = errataCompare
        self.equivalenceID = equivalenceID
        self.reserved = reserved
    }

    /// The CPU family an equivalence id (and a patch's `processor_rev_id`,
    /// which names one) stands for: `0xf + (id >> 12)`, the rule of Linux's
    /// amd.c (`x86_family()` of the id's high nibble) and Xen's.
    public static func family(ofEquivalenceID id: UInt16) -> Int { 0xf + Int(id >> 12) }

    public var family: Int { Self.family(ofEquivalenceID: equivalenceID) }

    public static let terminator = EquivalenceEntry(installedCPU: CPUSignature(0), equivalenceID: 0)
    public var isTerminator: Bool { self == .terminator }
}

/// One AMD patch, bytes untouched: the Entrysign fix makes Linux and Xen
/// check each patch against a list of SHA-256 digests.
public struct AMDPatch: Sendable {
    public static let headerSize = 64

    public let dataCode: UInt32
    public let patchID: UInt32
    public let processorRevisionID: UInt16
    /// The patch (without its 8-byte section header), a view into the file.
    public let bytes: ArraySlice<UInt8>
    public let origin: MicrocodeOrigin

    public var date: MicrocodeDate { MicrocodeDate(dataCode) }

    public var family: Int { EquivalenceEntry.family(ofEquivalenceID: processorRevisionID) }

    /// The CPU a Zen patch id is for: Linux's `union zen_patch_rev` (amd.c,
    /// v6.13) packs revision:8, stepping:4, model:4, reserved:4,
    /// ext_model:4, ext_fam:8; `ucode_rev_to_cpuid()` turns it back into
    /// CPUID(1).EAX with base family 0xf.
    public static func signature(encodedIn patchID: UInt32) -> CPUSignature {
        let stepping = (patchID >> 8) & 0xf
        let model = (patchID >> 12) & 0xf
        let extendedModel = (patchID >> 20) & 0xf
        let extendedFamily = patchID >> 24
        return CPUSignature(extendedFamily << 20 | extendedModel << 16 | 0xf << 8 | model << 4 | stepping)
    }
}

/// An AMD container: magic, one equivalence table, patch sections. Files
/// may hold several back to back.
public struct AMDContainer: Sendable {
    public static let magic: UInt32 = 0x0041_4d44
    static let equivalenceSectionType: UInt32 = 0
    static let patchSectionType: UInt32 = 1
    static let headerSize = 12
    static let sectionHeaderSize = 8
    /// No AMD patch comes near this; a larger section is corruption.
    static let maximumPatchSize = 1 << 20

    /// The table as stored, without the terminating all-zero entry.
    public var equivalenceTable: [EquivalenceEntry]
    /// Whether the stored table ended with the all-zero entry, which Xen
    /// 4.17 requires.
    public var hasTerminator: Bool
    public var patches: [AMDPatch]
    public var origin: MicrocodeOrigin

    public init(equivalenceTable: [EquivalenceEntry], patches: [AMDPatch], origin: MicrocodeOrigin, hasTerminator: Bool = true) {
        self.equivalenceTable = equivalenceTable
        self.patches = patches
        self.origin = origin
        self.hasTerminator = hasTerminator
    }

    /// The equivalence id Linux finds for `cpu`: the first entry that names it.
    public func equivalenceID(for cpu: CPUSignature) -> UInt16? {
        equivalenceTable.first { $0.installedCPU == cpu }?.equivalenceID
    }

    static func looksLikeContainer(_ bytes: ArraySlice<UInt8>) -> Bool {
        (try? bytes.u32(at: bytes.startIndex)) == magic
    }

    /// Parses every container in `bytes`; each byte must belong to one.
    public static func parseAll(_ bytes: [UInt8], path: String) throws(ParseError) -> [AMDContainer] {
        try parseAll(bytes[...], path: path)
    }

    /// The same over one file's bytes inside a larger buffer; offsets in
    /// errors and origins count from the slice's start.
    public static func parseAll(_ bytes: ArraySlice<UInt8>, path: String) throws(ParseError) -> [AMDContainer] {
        var containers: [AMDContainer] = []
        var offset = bytes.startIndex
        do {
            while offset < bytes.endIndex {
                let (container, next) = try parse(bytes, at: offset, path: path)
                containers.append(container)
                offset = next
            }
        } catch {
            throw ParseError(offset: error.offset - bytes.startIndex, error.problem)
        }
        return containers
    }

    static func parse(_ bytes: ArraySlice<UInt8>, at start: Int, path: String) throws(ParseError) -> (AMDContainer, next: Int) {
        let end = bytes.endIndex
        guard end - start >= headerSize else {
            throw ParseError(offset: start, .microcode(.truncatedContainerHeader(left: end - start)))
        }
        let magic = try bytes.u32(at: start)
        guard magic == Self.magic else {
            throw ParseError(offset: start, .microcode(.containerMagic(magic)))
        }
        let tableType = try bytes.u32(at: start + 4)
        guard tableType == equivalenceSectionType else {
            throw ParseError(offset: start + 4, .microcode(.firstSectionType(tableType)))
        }
        let tableLength = Int(try bytes.u32(at: start + 8))
        guard tableLength > 0, tableLength % EquivalenceEntry.size == 0 else {
            throw ParseError(offset: start + 8, .microcode(.equivalenceTableLength(tableLength)))
        }
        let tableStart = start + headerSize
        guard tableLength <= end - tableStart else {
            throw ParseError(offset: start + 8, .microcode(.equivalenceTablePastEnd(length: tableLength, left: end - tableStart)))
        }
        var table: [EquivalenceEntry] = []
        table.reserveCapacity(tableLength / EquivalenceEntry.size)
        var hasTerminator = false
        var position = tableStart
        while position < tableStart + tableLength {
            let entry = EquivalenceEntry(
                installedCPU: CPUSignature(try bytes.u32(at: position)),
                errataMask: try bytes.u32(at: position + 4),
                errataCompare: try bytes.u32(at: position + 8),
                equivalenceID: try bytes.u16(at: position + 12),
                reserved: try bytes.u16(at: position + 14))
            if entry.installedCPU.rawValue == 0 {
                // Linux stops looking at the first zero CPU; anything after it is unreachable.
                guard entry.isTerminator, position + EquivalenceEntry.size == tableStart + tableLength else {
                    throw ParseError(offset: position, .microcode(.zeroEntryNotLast))
                }
                hasTerminator = true
            } else {
                table.append(entry)
            }
            position += EquivalenceEntry.size
        }

        var patches: [AMDPatch] = []
        while end - position >= sectionHeaderSize, try bytes.u32(at: position) == patchSectionType {
            let size = Int(try bytes.u32(at: position + 4))
            let patchStart = position + sectionHeaderSize
            guard size >= AMDPatch.headerSize else {
                throw ParseError(offset: position + 4, .microcode(.patchSectionTooSmall(size)))
            }
            guard size <= maximumPatchSize else {
                throw ParseError(offset: position + 4, .microcode(.patchSectionImplausible(size)))
            }
            guard size <= end - patchStart else {
                throw ParseError(offset: position + 4, .microcode(.patchSectionPastEnd(size: size, left: end - patchStart)))
            }
            patches.append(AMDPatch(
                dataCode: try bytes.u32(at: patchStart),
                patchID: try bytes.u32(at: patchStart + 4),
                processorRevisionID: try bytes.u16(at: patchStart + 24),
                bytes: bytes[patchStart..<(patchStart + size)],
                origin: MicrocodeOrigin(path: path, offset: position - bytes.startIndex)))
            position = patchStart + size
        }
        if position < end, (try? bytes.u32(at: position)) != Self.magic {
            let problem: MicrocodeError = (try? bytes.u32(at: position)).map { .unexpectedSection(type: $0) } ?? .strayBytes(end - position)
            throw ParseError(offset: position, .microcode(problem))
        }
        let container = AMDContainer(
            equivalenceTable: table, patches: patches,
            origin: MicrocodeOrigin(path: path, offset: start - bytes.startIndex), hasTerminator: hasTerminator)
        return (container, position)
    }

    /// The container's bytes: a table ending with the zero entry (Xen 4.17
    /// rejects one without), then each patch in its section, unaltered.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        let tableLength = (equivalenceTable.count + 1) * EquivalenceEntry.size
        out.reserveCapacity(Self.headerSize + tableLength + patches.reduce(0) { $0 + Self.sectionHeaderSize + $1.bytes.count })
        out.appendLE(Self.magic)
        out.appendLE(Self.equivalenceSectionType)
        out.appendLE(UInt32(tableLength))
        for entry in equivalenceTable + [.terminator] {
            out.appendLE(entry.installedCPU.rawValue)
            out.appendLE(entry.errataMask)
            out.appendLE(entry.errataCompare)
            out.appendLE(entry.equivalenceID)
            out.appendLE(entry.reserved)
        }
        for patch in patches {
            out.appendLE(Self.patchSectionType)
            out.appendLE(UInt32(patch.bytes.count))
            out.append(contentsOf: patch.bytes)
        }
        return out
    }
}
