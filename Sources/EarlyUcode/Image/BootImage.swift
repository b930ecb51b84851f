/// The compressions the kernel's initramfs unpacker recognises, by the
/// two-byte magics of lib/decompress.c: what it would try, not what a
/// longer signature would confirm.
public enum Compression: String, Sendable, CaseIterable, Codable {
    case gzip, bzip2, lzma, xz, lzo, lz4, zstd

    static let magics: [(bytes: [UInt8], compression: Compression)] = [
        ([0x1f, 0x8b], .gzip),
        ([0x1f, 0x9e], .gzip),
        ([0x42, 0x5a], .bzip2),
        ([0x5d, 0x00], .lzma),
        ([0xfd, 0x37], .xz),
        ([0x89, 0x4c], .lzo),
        ([0x02, 0x21], .lz4),
        ([0x28, 0xb5], .zstd),
    ]

    public init?(magic bytes: some Collection<UInt8>) {
        guard let found = Self.magics.first(where: { bytes.starts(with: $0.bytes) }) else { return nil }
        self = found.compression
    }
}

/// What comes after the early archives: normally the main archive.
public struct MainPart: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case compressed(Compression)
        /// An uncompressed newc archive with more than `kernel/...` in it.
        case uncompressedCPIO
        /// Zero padding or the end of the file.
        case nothing
    }

    public var offset: Int
    public var kind: Kind

    public var description: String {
        switch kind {
        case .compressed(let compression): "\(compression.rawValue) at offset \(offset)"
        case .uncompressedCPIO: "uncompressed cpio at offset \(offset)"
        case .nothing: "nothing"
        }
    }

    public var code: String {
        switch kind {
        case .compressed(let compression): compression.rawValue
        case .uncompressedCPIO: "uncompressed-cpio"
        case .nothing: "nothing"
        }
    }
}

/// One part after the early archives. The kernel's unpacker
/// (init/initramfs.c) reads them in turn: uncompressed cpio archives, zero
/// padding between them, then a compressed archive, which runs to the end
/// of the file as far as this tool can tell (it is never decompressed, so
/// anything concatenated after it inside, such as initramfs-tools'
/// `catenate_cpiogz` overlays, counts as part of it).
///
/// initramfs-tools 0.148 (Debian 13; read in 0.148.4's mkinitramfs) writes
/// two: after the early cpio, an uncompressed newc cpio (GNU cpio) of the
/// files that are compressed already (`*.xz`, `*.zst`: kernel modules and
/// firmware, with their folders), then the `$COMPRESS`ed main archive.
public struct TailPart: Sendable, Equatable {
    public var offset: Int
    /// `.uncompressedCPIO` or `.compressed`; never `.nothing`.
    public var kind: MainPart.Kind
    /// A cpio archive: up to and including its trailer. A compressed
    /// archive: to the end of the file.
    public var size: Int
    /// A cpio archive's members, the trailer excluded; nil for a compressed one.
    public var memberCount: Int?

    public var end: Int { offset + size }
    public var asMain: MainPart { MainPart(offset: offset, kind: kind) }
    public var description: String { asMain.description }

    /// The same part `delta` bytes further on (as `rebuild` moves it).
    public func moved(by delta: Int) -> TailPart {
        var part = self
        part.offset += delta
        return part
    }
}

/// A member the early loaders look at: a regular file named
/// `kernel/x86/microcode/<Vendor>.bin...`.
public struct MicrocodeMember: Sendable, Equatable {
    public var vendor: Vendor
    public var member: CPIOMember
    /// Index into the walk's archives.
    public var archiveIndex: Int
    /// In an early archive (otherwise in an uncompressed main archive).
    public var isEarly: Bool
    /// The header offset of the member the loaders take instead; nil for
    /// the one they take.
    public var shadowedBy: Int?

    public var isUsed: Bool { shadowedBy == nil }
}

/// The front of a boot image, as Linux's early loader, Xen's `ucode=scan`
/// and the kernel's unpacker see it: early archives, then the main part.
public struct BootImage: Sendable {
    public enum Kind: Sendable, Equatable {
        /// cpio archives and/or a compressed archive: an initrd.
        case initrd
        /// Not a cpio at all but a vendor file, as `ucode=<n>` takes it.
        case bareBlob(Vendor)
        case empty
    }

    public var path: String
    public var size: Int
    public var kind: Kind
    public var walk: CPIOWalk
    /// How many of the walk's archives, from the first, are early archives:
    /// only `kernel/...` (and dracut's `early_cpio` marker) inside.
    public var earlyArchiveCount: Int
    /// The first part after the early archives (what `parts` begins with),
    /// or `.nothing`.
    public var main: MainPart
    /// Every part after the early archives, in image order: the non-early
    /// uncompressed cpio archives, then the compressed archive if there is
    /// one. Empty when nothing (or only zero padding) follows.
    public var parts: [TailPart]
    /// Every member the loaders might take, in image order.
    public var microcode: [MicrocodeMember]
    /// Things the loaders ignore that a person might expect them to use.
    public var notes: [String]

    public var earlyArchives: ArraySlice<CPIOArchive> { walk.archives.prefix(earlyArchiveCount) }
    /// The uncompressed cpio archives after the early part.
    public var laterArchives: ArraySlice<CPIOArchive> { walk.archives.dropFirst(earlyArchiveCount) }
    /// The compressed archive the parts end with, if any.
    public var compressedPart: TailPart? {
        guard let last = parts.last, case .compressed = last.kind else { return nil }
        return last
    }

    /// The walked archive a cpio part is (a binary search: a hostile image
    /// may hold many thousands of small archives).
    public func archive(of part: TailPart) -> CPIOArchive? {
        guard part.kind == .uncompressedCPIO else { return nil }
        let archives = laterArchives
        var low = archives.startIndex
        var high = archives.endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if archives[middle].offset < part.offset { low = middle + 1 } else { high = middle }
        }
        return low < archives.endIndex && archives[low].offset == part.offset ? archives[low] : nil
    }
    /// Where the early part ends: after the last early archive.
    public var earlyEnd: Int { earlyArchives.last?.end ?? 0 }

    /// The member Linux and Xen take for a vendor: the first match.
    public func loadedMember(_ vendor: Vendor) -> MicrocodeMember? {
        microcode.first { $0.vendor == vendor && $0.isUsed }
    }

    /// Reads the front of the image. Reading stops where the cpio part
    /// ends: a compressed main archive is never read.
    public static func read(_ image: ImageFile) throws(InputError) -> BootImage {
        if image.size == 0 {
            return BootImage(path: image.path, size: 0, kind: .empty, walk: CPIOWalk(archives: [], stop: 0, imageSize: 0),
                             earlyArchiveCount: 0, main: MainPart(offset: 0, kind: .nothing), parts: [], microcode: [], notes: [])
        }
        let walk = try EarlyCPIOWalker.walk(image)
        let earlyCount = walk.archives.prefix { isEarlyArchive($0) }.count
        var notes: [String] = []

        // What follows the walked archives, as the unpacker sees it: zero bytes skipped one by one.
        let afterWalk = walk.archives.last?.end ?? 0
        let zerosEnd = try image.endOfZeros(from: afterWalk)
        let next: Int? = zerosEnd < image.size ? zerosEnd : nil
        var trailing = MainPart(offset: image.size, kind: .nothing)
        if let next {
            let head = try image.read(at: next, count: 8)
            if let compression = Compression(magic: head) {
                trailing = MainPart(offset: next, kind: .compressed(compression))
            } else if walk.archives.isEmpty && next == 0, let vendor = bareBlobVendor(head) {
                return BootImage(path: image.path, size: image.size, kind: .bareBlob(vendor), walk: walk,
                                 earlyArchiveCount: 0, main: MainPart(offset: 0, kind: .nothing), parts: [], microcode: [], notes: [])
            } else if (EarlyCPIOWalker.isMagic(head) || head.starts(with: "0707".utf8)), next % 4 == 0,
                      image.size - next <= CPIO.headerSize {
                // Aligned, but the walk stopped because too few bytes were left
                // for a header (after zero padding): cut short, not misplaced.
                throw InputError(path: image.path, offset: next, .archive(.truncatedHeader(left: image.size - next)))
            } else if EarlyCPIOWalker.isMagic(head) || head.starts(with: "0707".utf8) {
                throw InputError(path: image.path, offset: next, .image(.misalignedHeader))
            } else {
                let shown = head.prefix(4).map { Hex.padded(String($0, radix: 16), to: 2) }.joined(separator: " ")
                throw InputError(path: image.path, offset: next, .image(.unrecognisedData(atStart: walk.archives.isEmpty, bytes: shown)))
            }
        }
        // Every walked archive after the first non-early one is unpacked as a part of its own, then the compressed one.
        var parts = walk.archives.dropFirst(earlyCount).map { archive in
            TailPart(offset: archive.offset, kind: .uncompressedCPIO, size: archive.size, memberCount: archive.members.count)
        }
        if case .compressed = trailing.kind {
            parts.append(TailPart(offset: trailing.offset, kind: trailing.kind, size: image.size - trailing.offset, memberCount: nil))
        }
        let main = parts.first?.asMain ?? trailing

        // First regular file per vendor wins; every later one is shadowed.
        var microcode: [MicrocodeMember] = []
        var firstOffset: [Vendor: Int] = [:]
        for (index, archive) in walk.archives.enumerated() {
            for member in archive.members {
                if let vendor = Vendor.allCases.first(where: { member.matchesLoaderPath($0.archiveMember) }) {
                    microcode.append(MicrocodeMember(vendor: vendor, member: member, archiveIndex: index,
                                                     isEarly: index < earlyCount, shadowedBy: firstOffset[vendor]))
                    if firstOffset[vendor] == nil { firstOffset[vendor] = member.offset }
                    continue
                }
                let bare = strippingDotSlash(member.nameBytes)
                for vendor in Vendor.allCases where bare.starts(with: vendor.archiveMember.utf8) {
                    if !member.isRegularFile {
                        notes.append("\(member.name) at offset \(member.offset) is not a regular file: the loaders ignore it")
                    } else {
                        notes.append("\(member.name) at offset \(member.offset) starts with \"./\": the loaders ignore it")
                    }
                }
            }
        }
        return BootImage(path: image.path, size: image.size, kind: .initrd, walk: walk, earlyArchiveCount: earlyCount,
                         main: main, parts: parts, microcode: microcode, notes: notes)
    }

    /// An early archive holds only what the early boot path reads
    /// (`kernel/x86/microcode/`, `kernel/firmware/acpi/`, ...), the folders
    /// above it, and dracut's `early_cpio` marker.
    static func isEarlyArchive(_ archive: CPIOArchive) -> Bool {
        archive.members.allSatisfy { member in
            let name = strippingDotSlash(member.nameBytes)
            return name.isEmpty || name.elementsEqual(".".utf8) || name.elementsEqual("early_cpio".utf8)
                || name.elementsEqual("kernel".utf8) || name.starts(with: "kernel/".utf8)
        }
    }

    static func strippingDotSlash(_ name: [UInt8]) -> ArraySlice<UInt8> {
        name.starts(with: "./".utf8) ? name.dropFirst(2) : name[...]
    }

    /// An Intel update header (versions 1 and 1) or an AMD container magic.
    static func bareBlobVendor(_ head: [UInt8]) -> Vendor? {
        let slice = head[...]
        if AMDContainer.looksLikeContainer(slice) { return .amd }
        if (try? slice.u32(at: 0)) == 1 { return .intel }
        return nil
    }
}
