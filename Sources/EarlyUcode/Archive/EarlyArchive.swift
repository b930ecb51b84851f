import CLibArchive

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
    static let headerSize = 110

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
        align(headerSize + nameLength + 1, 4) + align(dataSize, 4)
    }

    static func align(_ value: Int, _ to: Int) -> Int { (value + to - 1) / to * to }

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
            let misalignment = (offset + Self.align(Self.headerSize + name.utf8.count + 1, 4)) % Self.dataAlignment
            if misalignment != 0 {
                // A directory whose entry is just long enough to shift the data onto the boundary.
                let base = "kernel/x86/microcode/.align." + member.vendor.rawValue
                var padName = base
                while (offset + Self.entrySize(nameLength: padName.utf8.count, dataSize: 0)
                    + Self.align(Self.headerSize + name.utf8.count + 1, 4)) % Self.dataAlignment != 0 {
                    padName += "_"
                }
                entries.append(Entry(name: padName, isDirectory: true, member: nil))
                offset += Self.entrySize(nameLength: padName.utf8.count, dataSize: 0)
            }
            let dataOffset = offset + Self.align(Self.headerSize + name.utf8.count + 1, 4)
            placements.append(Placement(name: name, dataOffset: dataOffset, size: member.size))
            entries.append(Entry(name: name, isDirectory: false, member: member))
            offset += Self.entrySize(nameLength: name.utf8.count, dataSize: member.size)
        }
        return (entries, placements)
    }

    public var placements: [Placement] { plan().placements }

    /// Writes the archive. Data goes from the source buffers to the sink
    /// without an intermediate copy (libarchive runs unblocked).
    public func write<S: ByteSink>(to sink: inout S) throws {
        let (entries, _) = plan()
        let target = SinkTarget(sink)
        try LibArchiveWriter.withNewc(target) { writer in
            for (inode, entry) in entries.enumerated() {
                let size = entry.member?.size ?? 0
                try writer.header(
                    name: entry.name,
                    mode: entry.isDirectory ? 0o040755 : 0o100644,
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

/// A libarchive failure, with libarchive's own message.
public struct ArchiveWriteError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "libarchive: \(message)" }
}

/// Receives libarchive's output through its C callback.
final class SinkTarget {
    var sink: any ByteSink
    var count = 0
    var failure: (any Error)?

    init(_ sink: any ByteSink) { self.sink = sink }

    func write(_ raw: UnsafeRawBufferPointer) throws(FileError) {
        try sink.write(raw)
        count += raw.count
    }
}

/// The libarchive handle, kept inside one non-Sendable type.
struct LibArchiveWriter: ~Copyable {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    static func withNewc(_ target: SinkTarget, _ body: (inout LibArchiveWriter) throws -> Void) throws {
        guard let handle = archive_write_new() else { throw ArchiveWriteError(message: "cannot allocate a writer") }
        defer { archive_write_free(handle) }
        var writer = LibArchiveWriter(handle: handle)
        try writer.check(archive_write_set_format_cpio_newc(handle))
        try writer.check(archive_write_add_filter_none(handle))
        // Unblocked: every write goes straight to the callback, and nothing is padded.
        try writer.check(archive_write_set_bytes_per_block(handle, 0))
        let context = Unmanaged.passUnretained(target).toOpaque()
        let status = archive_write_open2(handle, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let target = Unmanaged<SinkTarget>.fromOpaque(context).takeUnretainedValue()
            do {
                try target.write(UnsafeRawBufferPointer(start: buffer, count: length))
                return length
            } catch {
                target.failure = error
                return -1
            }
        }, nil, nil)
        try writer.check(status, target)
        try withExtendedLifetime(target) {
            try body(&writer)
            try writer.check(archive_write_close(handle), target)
        }
    }

    private func check(_ status: Int32, _ target: SinkTarget? = nil) throws {
        if let failure = target?.failure { throw failure }
        guard status == ARCHIVE_OK else {
            let message = archive_error_string(handle).map { String(cString: $0) } ?? "error \(status)"
            throw ArchiveWriteError(message: message)
        }
    }

    mutating func header(name: String, mode: UInt32, inode: Int, links: UInt32, mtime: Int, size: Int, uid: Int = 0, gid: Int = 0) throws {
        guard let entry = archive_entry_new() else { throw ArchiveWriteError(message: "cannot allocate an entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_mode(entry, mode_t(mode))
        archive_entry_set_ino(entry, la_int64_t(inode))
        archive_entry_set_nlink(entry, links)
        archive_entry_set_uid(entry, la_int64_t(uid))
        archive_entry_set_gid(entry, la_int64_t(gid))
        archive_entry_set_dev(entry, 0)
        archive_entry_set_rdev(entry, 0)
        archive_entry_set_mtime(entry, time_t(mtime), 0)
        archive_entry_set_size(entry, la_int64_t(size))
        try check(archive_write_header(handle, entry))
    }

    mutating func data(_ chunk: ArraySlice<UInt8>) throws {
        let written = chunk.withUnsafeBytes { raw in
            archive_write_data(handle, raw.baseAddress, raw.count)
        }
        guard written == chunk.count else {
            let message = archive_error_string(handle).map { String(cString: $0) } ?? "short write"
            throw ArchiveWriteError(message: message)
        }
    }
}
