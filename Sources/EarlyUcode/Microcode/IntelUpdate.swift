/// Where an update or patch was found.
public struct MicrocodeOrigin: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var offset: Int

    public init(path: String, offset: Int) {
        self.path = path
        self.offset = offset
    }

    public var description: String { "\(path):\(offset)" }
}

/// A vendor date stamp packed as hex digits `MMDDYYYY` (0x03062023 is
/// 2023-03-06). Shown digit for digit, never reinterpreted.
public struct MicrocodeDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public var month: UInt32 { rawValue >> 24 }
    public var day: UInt32 { (rawValue >> 16) & 0xff }
    public var year: UInt32 { rawValue & 0xffff }

    private var sortKey: UInt64 { UInt64(year) << 16 | UInt64(month) << 8 | UInt64(day) }
    public static func < (a: MicrocodeDate, b: MicrocodeDate) -> Bool { a.sortKey < b.sortKey }

    public var description: String {
        Hex.padded(String(year, radix: 16), to: 4) + "-" + Hex.padded(String(month, radix: 16), to: 2) + "-"
            + Hex.padded(String(day, radix: 16), to: 2)
    }

    /// Seconds since 1970 at midnight UTC, or nil when the digits are not a
    /// real calendar date (AMD has shipped `13092011`).
    public var secondsSinceEpoch: Int? {
        guard let y = Int(String(year, radix: 16)), let m = Int(String(month, radix: 16)),
              let d = Int(String(day, radix: 16)), (1970...9999).contains(y), (1...12).contains(m)
        else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard (1...daysInMonth).contains(d) else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86_400
    }
}

/// One Intel microcode update: the 48-byte header, the encrypted data, and
/// the optional extended signature table, checked the way the kernel and
/// iucode_tool check them.
public struct IntelUpdate: Sendable {
    public struct ExtendedSignature: Hashable, Sendable {
        public var signature: CPUSignature
        public var platforms: PlatformFlags
        public var checksum: UInt32
    }

    public static let headerSize = 48
    static let extendedHeaderSize = 20
    static let extendedEntrySize = 12

    public let revision: UInt32
    public let date: MicrocodeDate
    public let signature: CPUSignature
    public let platforms: PlatformFlags
    public let checksum: UInt32
    public let dataSize: Int
    public let totalSize: Int
    public let extendedSignatures: [ExtendedSignature]
    /// The whole update, a view into the file's buffer (never copied).
    public let bytes: ArraySlice<UInt8>
    public let origin: MicrocodeOrigin

    /// Revisions are signed: pre-production updates are negative and older
    /// than every production one.
    public var signedRevision: Int32 { Int32(bitPattern: revision) }

    /// The header's signature first, then the extended table's, without
    /// repeats.
    public var signatures: [(signature: CPUSignature, platforms: PlatformFlags)] {
        // Most updates have no extended table: nothing to deduplicate.
        guard !extendedSignatures.isEmpty else { return [(signature, platforms)] }
        var seen: Set<UInt64> = []
        var result: [(CPUSignature, PlatformFlags)] = []
        let all = [(signature, platforms)] + extendedSignatures.map { ($0.signature, $0.platforms) }
        for (sig, pf) in all where seen.insert(UInt64(sig.rawValue) << 32 | UInt64(pf.rawValue)).inserted {
            result.append((sig, pf))
        }
        return result
    }

    public func matches(_ cpu: CPUSignature, _ pf: PlatformFlags) -> Bool {
        signatures.contains { $0.signature == cpu && $0.platforms.matches(pf) }
    }

    /// Parses the updates stored back to back in `bytes`. Every byte must
    /// belong to a valid update: Linux rejects a whole GenuineIntel.bin for
    /// one bad update, so a bad input is never passed along.
    public static func parseAll(_ bytes: [UInt8], path: String) throws(ParseError) -> [IntelUpdate] {
        try parseAll(bytes[...], path: path)
    }

    /// The same over one file's bytes inside a larger buffer; offsets in
    /// errors and origins count from the slice's start.
    public static func parseAll(_ bytes: ArraySlice<UInt8>, path: String) throws(ParseError) -> [IntelUpdate] {
        var updates: [IntelUpdate] = []
        var offset = bytes.startIndex
        do {
            while offset < bytes.endIndex {
                let update = try parse(bytes, at: offset, path: path)
                updates.append(update)
                offset += update.totalSize
            }
        } catch {
            throw ParseError(offset: error.offset - bytes.startIndex, error.problem)
        }
        return updates
    }

    /// True when the bytes at `offset` look like the start of an update
    /// (header and loader version 1); used to recognise files by content.
    static func looksLikeUpdate(_ bytes: ArraySlice<UInt8>, at offset: Int) -> Bool {
        guard bytes.endIndex - offset >= headerSize else { return false }
        return (try? bytes.u32(at: offset)) == 1 && (try? bytes.u32(at: offset + 0x14)) == 1
    }

    /// What the 48-byte header says, checked as far as the header alone
    /// allows: enough to find every update of a file without reading its
    /// data (`IntelFileScan`), and the first checks `parse` makes.
    struct Header {
        var revision: UInt32
        var date: MicrocodeDate
        var signature: CPUSignature
        var checksum: UInt32
        var platforms: PlatformFlags
        var dataSize: Int
        var totalSize: Int

        /// Where the extended signature table starts, from the update's start, and its size (0: none).
        var extendedTable: (start: Int, size: Int) { (headerSize + dataSize, totalSize - headerSize - dataSize) }

        /// The header at `start`, where `left` bytes of the file remain
        /// (at least the header's 48 must be in `bytes` when they are).
        /// Offsets in errors are indices of `bytes`.
        static func read(_ bytes: ArraySlice<UInt8>, at start: Int, left: Int) throws(ParseError) -> Header {
            guard left >= headerSize else {
                throw ParseError(offset: start, .microcode(.truncatedUpdateHeader(left: left)))
            }
            let headerVersion = try bytes.u32(at: start)
            guard headerVersion == 1 else {
                throw ParseError(offset: start, .microcode(.headerVersion(headerVersion)))
            }
            let loaderVersion = try bytes.u32(at: start + 0x14)
            guard loaderVersion == 1 else {
                throw ParseError(offset: start + 0x14, .microcode(.loaderVersion(loaderVersion)))
            }
            let dataField = Int(try bytes.u32(at: start + 0x1c))
            let totalField = Int(try bytes.u32(at: start + 0x20))
            // Data size 0 is the original format: 2000 bytes of data in 2048.
            let dataSize = dataField == 0 ? 2000 : dataField
            let totalSize = dataField == 0 ? 2048 : totalField
            guard dataSize % 4 == 0 else {
                throw ParseError(offset: start + 0x1c, .microcode(.dataSizeNotMultipleOf4(dataSize)))
            }
            guard totalSize >= headerSize + dataSize else {
                throw ParseError(offset: start + 0x20, .microcode(.totalSizeBelowHeaderAndData(total: totalSize, needed: headerSize + dataSize)))
            }
            guard totalSize % 1024 == 0 else {
                throw ParseError(offset: start + 0x20, .microcode(.totalSizeNotMultipleOf1024(totalSize)))
            }
            guard totalSize <= left else {
                throw ParseError(offset: start + 0x20, .microcode(.totalSizePastEnd(total: totalSize, left: left)))
            }
            return Header(
                revision: try bytes.u32(at: start + 0x04),
                date: MicrocodeDate(try bytes.u32(at: start + 0x08)),
                signature: CPUSignature(try bytes.u32(at: start + 0x0c)),
                checksum: try bytes.u32(at: start + 0x10),
                platforms: PlatformFlags(try bytes.u32(at: start + 0x18)),
                dataSize: dataSize,
                totalSize: totalSize)
        }
    }

    /// The update at `start`, checked in full. Its origin's offset is
    /// `fileOffset` plus `start`'s distance from the slice's start (an update
    /// read alone, out of a larger file, passes where it was).
    static func parse(_ bytes: ArraySlice<UInt8>, at start: Int, path: String, fileOffset: Int = 0) throws(ParseError) -> IntelUpdate {
        let header = try Header.read(bytes, at: start, left: bytes.endIndex - start)
        let (signature, platforms, checksum) = (header.signature, header.platforms, header.checksum)
        let (dataSize, totalSize) = (header.dataSize, header.totalSize)
        let sum = bytes[start..<(start + headerSize + dataSize)].dwordSum()
        guard sum == 0 else {
            throw ParseError(offset: start + 0x10, .microcode(.checksum(sum: sum)))
        }

        var extended: [ExtendedSignature] = []
        let tableStart = start + headerSize + dataSize
        let tableSize = totalSize - headerSize - dataSize
        if tableSize > 0 {
            guard tableSize >= extendedHeaderSize else {
                throw ParseError(offset: tableStart, .microcode(.extendedTableShorterThanHeader(size: tableSize)))
            }
            let count = Int(try bytes.u32(at: tableStart))
            let expected = extendedHeaderSize + extendedEntrySize * count
            guard expected == tableSize else {
                throw ParseError(offset: tableStart, .microcode(.extendedTableCount(count: count, expected: expected, size: tableSize)))
            }
            let tableSum = bytes[tableStart..<(tableStart + tableSize)].dwordSum()
            guard tableSum == 0 else {
                throw ParseError(offset: tableStart + 4, .microcode(.extendedTableChecksum(sum: tableSum)))
            }
            let headerKey = signature.rawValue &+ platforms.rawValue &+ checksum
            extended.reserveCapacity(count)
            for index in 0..<count {
                let entry = tableStart + extendedHeaderSize + index * extendedEntrySize
                let item = ExtendedSignature(
                    signature: CPUSignature(try bytes.u32(at: entry)),
                    platforms: PlatformFlags(try bytes.u32(at: entry + 4)),
                    checksum: try bytes.u32(at: entry + 8))
                guard item.signature.rawValue &+ item.platforms.rawValue &+ item.checksum == headerKey else {
                    throw ParseError(offset: entry, .microcode(.extendedSignatureChecksum(index: index, signature: item.signature)))
                }
                extended.append(item)
            }
        }

        return IntelUpdate(
            revision: header.revision,
            date: header.date,
            signature: signature,
            platforms: platforms,
            checksum: checksum,
            dataSize: dataSize,
            totalSize: totalSize,
            extendedSignatures: extended,
            bytes: bytes[start..<(start + totalSize)],
            origin: MicrocodeOrigin(path: path, offset: fileOffset + start - bytes.startIndex))
    }
}
