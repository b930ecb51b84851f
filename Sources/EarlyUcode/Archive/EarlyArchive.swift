/// The uncompressed newc archive that Linux's early loader and Xen's
/// `ucode=scan` read: `kernel/x86/microcode/{AuthenticAMD,GenuineIntel}.bin`.
///
/// Written by libarchive. Reproducible: fixed inode numbers, owner root,
/// one mtime for every member. Each `.bin` member's data starts 16-byte
/// aligned (Intel's loader requires it, and Xen applies updates in place).
public struct EarlyArchive {
    /// One microcode file in the archive; its data is written chunk by chunk
    /// straight from the source buffers.
    public struct Member {
        public var vendor: Vendor
        public var chunks: [ArraySlice<UInt8>]
        public var size: Int { chunks.reduce(0) { $0 + $1.count } }
    }

    /// Where a member's data lands: what `build --json` and the tests report.
    public struct Placement: Sendable, Equatable {
        public var name: String
        public var dataOffset: Int
        public var size: Int
    }

    public static let directories = ["kernel", "kernel/x86", "kernel/x86/microcode"]
    public static let dataAlignment = 16
    public static let endAlignment = 512

    public var members: [Member]
    public var mtime: Int

    public init(members: [Member], mtime: Int) {
        self.members = members.sorted { $0.vendor < $1.vendor }
        self.mtime = mtime
    }

    public init(selection: Selection, mtime: Int) {
        var members: [Member] = []
        if !selection.amd.isEmpty {
            members.append(Member(vendor: .amd, chunks: selection.amd.map { $0.serialized()[...] }))
        }
        if !selection.intel.isEmpty {
            members.append(Member(vendor: .intel, chunks: selection.intel.map(\.bytes)))
        }
        self.init(members: members, mtime: mtime)
    }

    /// newc entry size: header, name with NUL, data, each padded to 4.
    static func entrySize(nameLength: Int, dataSize: Int) -> Int {
        CPIO.align4(CPIO.headerSize + nameLength + 1) + CPIO.align4(dataSize)
    }


    /// The entries in order, with padding directories where a member's data
    /// would otherwise not be 16-byte aligned.
    struct Entry {
        var name: String
        var isDirectory: Bool
        var member: Member?
    }

    func plan() -> (entries: [Entry], placements: [Placement]) {
        var entries: [Entry] = Self.directories.map { Entry(name: $0, isDirectory: true, member: nil) }
        var offset = entries.reduce(0) { $0 + Self.entrySize(nameLength: $1.name.utf8.count, dataSize: 0) }
        var placements: [Placement] = []
        for member in members {
            let name = member.vendor.archiveMember
            let misalignment = (offset + CPIO.align4(CPIO.headerSize + name.utf8.count + 1)) % Self.dataAlignment
            if misalignment != 0 {
                // A directory whose entry is just long enough to shift the data onto the boundary.
                let base = "kernel/x86/microcode/.align." + member.vendor.rawValue
                var padName = base
                while (offset + Self.entrySize(nameLength: padName.utf8.count, dataSize: 0)
                    + CPIO.align4(CPIO.headerSize + name.utf8.count + 1)) % Self.dataAlignment != 0 {
                    padName += "_"
                }
                entries.append(Entry(name: padName, isDirectory: true, member: nil))
                offset += Self.entrySize(nameLength: padName.utf8.count, dataSize: 0)
            }
            let dataOffset = offset + CPIO.align4(CPIO.headerSize + name.utf8.count + 1)
            placements.append(Placement(name: name, dataOffset: dataOffset, size: member.size))
            entries.append(Entry(name: name, isDirectory: false, member: member))
            offset += Self.entrySize(nameLength: name.utf8.count, dataSize: member.size)
        }
        return (entries, placements)
    }

    public var placements: [Placement] { plan().placements }

    /// The archive's size in bytes, as `write` writes it: the entries, the
    /// trailer, zero padding to `endAlignment`.
    public var size: Int {
        let entries = plan().entries.reduce(0) { $0 + Self.entrySize(nameLength: $1.name.utf8.count, dataSize: $1.member?.size ?? 0) }
        let total = entries + Self.entrySize(nameLength: CPIO.trailerName.utf8.count, dataSize: 0)
        return (total + Self.endAlignment - 1) / Self.endAlignment * Self.endAlignment
    }

    /// Writes the archive. Data goes from the source buffers to the sink
    /// without an intermediate copy (libarchive runs unblocked).
    public func write<S: ByteSink>(to sink: inout S) throws {
        let (entries, _) = plan()
        let target = SinkTarget(sink)
        try LibArchiveWriter.withNewc(target, path: sink.path) { writer in
            for (inode, entry) in entries.enumerated() {
                let size = entry.member?.size ?? 0
                try writer.header(
                    name: entry.name,
                    mode: entry.isDirectory ? CPIO.directoryMode : CPIO.regularFileMode,
                    inode: inode + 1,
                    links: entry.isDirectory ? 2 : 1,
                    mtime: mtime,
                    size: size)
                for chunk in entry.member?.chunks ?? [] {
                    try writer.data(chunk)
                }
            }
        }
        // libarchive pads only when it blocks its output; pad the end here instead.
        let padding = (Self.endAlignment - target.count % Self.endAlignment) % Self.endAlignment
        if padding > 0 {
            let zeros = [UInt8](repeating: 0, count: padding)
            try zeros.withUnsafeBytes { raw in try target.write(raw) }
        }
        if let result = target.sink as? S { sink = result }
    }

    public func bytes() throws -> [UInt8] {
        var sink = MemorySink()
        try write(to: &sink)
        return sink.bytes
    }
}
