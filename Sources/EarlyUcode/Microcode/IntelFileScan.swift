/// An Intel binary file read for a build for some CPUs.
///
/// Every update's header is read and checked (`IntelUpdate.Header`), so
/// every update is found, the file's structure is checked as a whole and a
/// broken chain of updates is the same error as in a full read. Updates
/// whose header or extended signature table names one of the CPUs are read
/// and checked in full (checksums, extended table), as `IntelUpdate.parse`
/// checks everything it gives; the others are passed over, and their data
/// is never read. For Debian's 21 MB of Intel microcode and one CPU that is
/// 227 headers and one update instead of every byte.
///
/// So a build for some CPUs writes only updates checked byte for byte, and
/// a damaged update for another CPU no longer stops it; `list` (and
/// `check`, `build --all`) still check every byte of every update.
enum IntelFileScan {
    struct Scanned {
        /// The updates that could be for the CPUs, checked in full, in file order.
        var updates: [IntelUpdate]
        /// How many updates were passed over on their headers.
        var passedOver: Int
    }

    /// Scans `file`, whose first bytes `prefix` holds (at least the first
    /// header, when the file is that long).
    static func scan(_ file: FileIO.OpenFile, prefix: [UInt8], for wanted: Set<CPUSignature>) throws(InputError) -> Scanned {
        let size = file.size
        /// Bytes `offset..<offset + count` of the file, from the prefix when it has them.
        func bytes(at offset: Int, count: Int) throws(InputError) -> ArraySlice<UInt8> {
            if offset + count <= prefix.count { return prefix[offset..<(offset + count)] }
            do { return try FileIO.read(file, count: count, at: offset)[...] } catch { throw InputError(error) }
        }
        var scanned = Scanned(updates: [], passedOver: 0)
        var offset = 0
        while offset < size {
            let left = size - offset
            let headerBytes = try bytes(at: offset, count: min(IntelUpdate.headerSize, left))
            let header: IntelUpdate.Header
            do {
                header = try IntelUpdate.Header.read(headerBytes, at: headerBytes.startIndex, left: left)
            } catch {
                throw InputError(path: file.path, ParseError(offset: offset + error.offset - headerBytes.startIndex, error.problem))
            }
            if try mayBeWanted(header, at: offset, wanted, bytes) {
                let update = try bytes(at: offset, count: header.totalSize)
                do {
                    scanned.updates.append(try IntelUpdate.parse(update, at: update.startIndex, path: file.path, fileOffset: offset))
                } catch {
                    throw InputError(path: file.path, ParseError(offset: offset + error.offset - update.startIndex, error.problem))
                }
            } else {
                scanned.passedOver += 1
            }
            offset += header.totalSize
        }
        return scanned
    }

    /// Whether the update could be for a wanted CPU: its header's
    /// signature, or one in a well-formed extended table, is wanted. A
    /// malformed table counts as wanted, so the full parse reports it.
    private static func mayBeWanted(
        _ header: IntelUpdate.Header, at offset: Int, _ wanted: Set<CPUSignature>,
        _ bytes: (Int, Int) throws(InputError) -> ArraySlice<UInt8>
    ) throws(InputError) -> Bool {
        if wanted.contains(header.signature) { return true }
        let (start, size) = header.extendedTable
        guard size > 0 else { return false }
        guard size >= IntelUpdate.extendedHeaderSize else { return true }
        let table = try bytes(offset + start, size)
        guard let count = try? table.u32(at: table.startIndex),
              IntelUpdate.extendedHeaderSize + IntelUpdate.extendedEntrySize * Int(count) == size
        else { return true }
        for index in 0..<Int(count) {
            let entry = table.startIndex + IntelUpdate.extendedHeaderSize + index * IntelUpdate.extendedEntrySize
            guard let signature = try? table.u32(at: entry) else { return true }
            if wanted.contains(CPUSignature(signature)) { return true }
        }
        return false
    }
}
