import CLibArchive

// libarchive, wrapped: the only file that imports CLibArchive. Handles stay
// inside non-Sendable, non-copyable types; every failure names the file the
// bytes were going to (or coming from) and the operating system's reason
// when there is one (the sink's own FileError: `x.cpio.tmp: cannot write:
// No space left on device`), never a bare libarchive status.

/// Receives libarchive's output through its C callback and keeps the first
/// error of the sink it writes to.
final class SinkTarget {
    var sink: any ByteSink
    var count = 0
    var failure: FileError?

    init(_ sink: any ByteSink) { self.sink = sink }

    func write(_ raw: UnsafeRawBufferPointer) throws(FileError) {
        try sink.write(raw)
        count += raw.count
    }
}

/// A newc writer streaming to a `ByteSink`, unblocked and unpadded (the
/// caller pads, so the archive's size is what it plans).
struct LibArchiveWriter: ~Copyable {
    private let handle: OpaquePointer
    private let target: SinkTarget
    private let path: String

    private init(handle: OpaquePointer, target: SinkTarget, path: String) {
        self.handle = handle
        self.target = target
        self.path = path
    }

    /// Runs `body` with a writer whose output goes to `target`; `path` names
    /// the destination in errors.
    static func withNewc(_ target: SinkTarget, path: String, _ body: (inout LibArchiveWriter) throws -> Void) throws {
        guard let handle = archive_write_new() else { throw InputError(path: path, .archive(.library("cannot allocate a writer"))) }
        defer { archive_write_free(handle) }
        var writer = LibArchiveWriter(handle: handle, target: target, path: path)
        try writer.check(archive_write_set_format_cpio_newc(handle))
        try writer.check(archive_write_add_filter_none(handle))
        // Unblocked: every write goes straight to the callback, and nothing is padded.
        try writer.check(archive_write_set_bytes_per_block(handle, 0))
        let context = Unmanaged.passUnretained(target).toOpaque()
        let status = archive_write_open2(handle, context, nil, { _, context, buffer, length in
            guard let context, let buffer else { return -1 }
            let target = Unmanaged<SinkTarget>.fromOpaque(context).takeUnretainedValue()
            do throws(FileError) {
                try target.write(UnsafeRawBufferPointer(start: buffer, count: length))
                return length
            } catch {
                if target.failure == nil { target.failure = error }
                return -1
            }
        }, nil, nil)
        try writer.check(status)
        try withExtendedLifetime(target) {
            try body(&writer)
            try writer.check(archive_write_close(handle))
        }
    }

    /// The sink's own error first: libarchive only knows that its callback
    /// failed ("error -30"), the sink knows the file and the reason.
    private func check(_ status: Int32) throws {
        if let failure = target.failure { throw failure }
        guard status == ARCHIVE_OK else { throw InputError(path: path, .archive(.library(message(status)))) }
    }

    private func message(_ status: Int) -> String {
        archive_error_string(handle).map { String(cString: $0) } ?? "error \(status)"
    }

    private func message(_ status: Int32) -> String { message(Int(status)) }

    /// One entry's header; every field set, so nothing depends on the machine.
    mutating func header(name: String, mode: UInt32, inode: Int, links: UInt32, mtime: Int, size: Int, uid: Int = 0, gid: Int = 0) throws {
        guard let entry = archive_entry_new() else { throw InputError(path: path, .archive(.library("cannot allocate an entry"))) }
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
        if let failure = target.failure { throw failure }
        guard written == chunk.count else { throw InputError(path: path, .archive(.library(written < 0 ? message(written) : "short write"))) }
    }
}

/// A reader over any compressed (or plain) cpio stream, fed chunk by chunk
/// by `next`; only as much is decompressed as the entries asked for.
struct LibArchiveReader: ~Copyable {
    /// One entry's name and file type.
    struct Entry {
        var name: String
        var type: CPIO.FileType?
    }

    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    /// Opens a reader for every filter libarchive knows and the cpio format,
    /// pulling bytes from `source`; `body` reads entries.
    static func withCPIO<Result>(
        _ source: LibArchiveSource, _ body: (inout LibArchiveReader) throws(LibArchiveReadFailure) -> Result
    ) throws(LibArchiveReadFailure) -> Result {
        guard let handle = archive_read_new() else { throw LibArchiveReadFailure(message: "libarchive: cannot allocate a reader") }
        defer { archive_read_free(handle) }
        archive_read_support_filter_all(handle)
        archive_read_support_format_cpio(handle)
        var reader = LibArchiveReader(handle: handle)
        let context = Unmanaged.passUnretained(source).toOpaque()
        let opened = archive_read_open(handle, context, nil, { _, context, buffer in
            guard let context, let buffer else { return -1 }
            return Unmanaged<LibArchiveSource>.fromOpaque(context).takeUnretainedValue().next(buffer)
        }, nil)
        return try withExtendedLifetime(source) { () throws(LibArchiveReadFailure) -> Result in
            guard opened == ARCHIVE_OK else { throw LibArchiveReadFailure(message: reader.message()) }
            return try body(&reader)
        }
    }

    /// The next entry's header, or nil at the end of the archive.
    mutating func next() throws(LibArchiveReadFailure) -> Entry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw LibArchiveReadFailure(message: message()) }
        let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        return Entry(name: name, type: CPIO.FileType(mode: UInt32(archive_entry_filetype(entry))))
    }

    private func message() -> String {
        archive_error_string(handle).map { "libarchive: " + String(cString: $0) } ?? "libarchive: unreadable"
    }
}

/// Why libarchive could not read a stream (an unsupported filter, damage).
struct LibArchiveReadFailure: Error {
    var message: String
}

/// Where a reader's bytes come from: a class (subclassed per source), so
/// libarchive's C callback can reach it through an unretained pointer
/// without capturing a generic type.
class LibArchiveSource {
    /// Points `buffer` at the next chunk and returns its size (0 at the end, -1 on failure).
    func next(_ buffer: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int { -1 }
}

/// Why a raw compressed stream could not be decompressed.
enum RawDecompressionFailure: Error, Sendable, Equatable {
    /// libarchive's own reason: damage, a truncated stream, a wrong check.
    case library(String)
    /// This libarchive has no built-in decoder for it and would run an
    /// external program (lzop when built without liblzo2, as Debian's is):
    /// never on a file from /boot.
    case unsupported
    /// More than `limit` bytes came out; reading stopped there.
    case limit
}

/// One compressed stream (a bzImage payload, xen.gz) decompressed whole,
/// through libarchive's "raw" format: no archive inside, just the bytes.
enum LibArchiveRaw {
    /// The decompressed bytes of `input`, compressed with `compression`,
    /// streamed out a chunk at a time and stopped at `limit`: a small input
    /// that expands without end costs `limit` bytes and no more.
    ///
    /// Only the one filter is enabled: `archive_read_support_filter_all`
    /// would also let libarchive bid with filters it implements by running
    /// an external program.
    static func decompress(_ input: ArraySlice<UInt8>, as compression: Compression, limit: Int, sizeHint: Int = 0) throws(RawDecompressionFailure) -> [UInt8] {
        guard let handle = archive_read_new() else { throw .library("libarchive: cannot allocate a reader") }
        defer { archive_read_free(handle) }
        let enabled: Int32 = switch compression {
        case .gzip: archive_read_support_filter_gzip(handle)
        case .bzip2: archive_read_support_filter_bzip2(handle)
        case .lzma: archive_read_support_filter_lzma(handle)
        case .xz: archive_read_support_filter_xz(handle)
        case .lzo: archive_read_support_filter_lzop(handle)
        case .lz4: archive_read_support_filter_lz4(handle)
        case .zstd: archive_read_support_filter_zstd(handle)
        }
        // ARCHIVE_WARN: "Using external ... program".
        guard enabled == ARCHIVE_OK else { throw .unsupported }
        guard archive_read_support_format_raw(handle) == ARCHIVE_OK else { throw .library(message(handle)) }

        var output: [UInt8] = []
        // The size the input says it decompresses to, when it says one: one
        // allocation instead of a doubling series (address space only until
        // written; never more than the limit).
        output.reserveCapacity(min(limit + 1, max(0, sizeHint)))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { chunk.deallocate() }
        var failure: RawDecompressionFailure?
        input.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else {
                failure = .library("libarchive: empty input")
                return
            }
            guard archive_read_open_memory(handle, base, raw.count) == ARCHIVE_OK else {
                failure = .library(message(handle))
                return
            }
            var entry: OpaquePointer?
            let status = archive_read_next_header(handle, &entry)
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                failure = .library(message(handle))
                return
            }
            // The raw format takes any bytes; a filter that did not
            // recognise the stream leaves it "none", and the result would
            // be the input itself.
            guard archive_filter_count(handle) > 1 else {
                failure = .library("libarchive: not a \(compression.rawValue) stream")
                return
            }
            while true {
                let got = archive_read_data(handle, chunk.baseAddress, chunk.count)
                if got < 0 {
                    failure = .library(message(handle))
                    return
                }
                if got == 0 { return }
                // Checked before the copy: memory never holds more than the limit.
                guard got <= limit - output.count else {
                    failure = .limit
                    return
                }
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
            }
        }
        if let failure { throw failure }
        return output
    }

    private static func message(_ handle: OpaquePointer) -> String {
        archive_error_string(handle).map { "libarchive: " + String(cString: $0) } ?? "libarchive: unreadable"
    }
}
