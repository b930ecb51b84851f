/// One entry of a loader's built-in list of AMD patch digests ("Entrysign").
public struct PatchDigest: Sendable, Hashable {
    public var patchID: UInt32
    /// 32 bytes.
    public var sha256: [UInt8]

    public init(patchID: UInt32, sha256: [UInt8]) {
        self.patchID = patchID
        self.sha256 = sha256
    }
}

/// Finds the AMD digest list in a kernel or Xen image by its shape.
///
/// Linux (arch/x86/kernel/cpu/microcode/amd_shas.c, since 6.14, backported
/// to 6.12.18 and 6.6.81) and Xen (xen/arch/x86/cpu/microcode/
/// amd-patch-digests.c, since 4.21, backported to 4.17.6, 4.18.5, 4.19.3,
/// 4.20.1) both compile an array of `struct patch_digest { u32 patch_id;
/// u8 sha256[32]; }`, 36 bytes each, sorted by patch id, into read-only
/// data. No symbol survives in a bzImage or xen.gz, so the table is found
/// as the longest run of such records:
/// - at a 4-byte aligned offset (the struct's alignment; ELF and PE keep
///   file offsets congruent to addresses),
/// - patch ids strictly ascending and all of Zen families: 17h
///   (0x08xxxxxx), 19h (0x0axxxxxx), Zen 5 of 1Ah (0x0bxxxxxx),
/// - every digest looking like one: at least 20 distinct byte values and at
///   most 6 zero bytes among its 32 (a SHA-256 has about 30 and 0.1 on
///   average; other structures that happen to hold ascending Zen-like
///   words are mostly zeros or repeated bytes),
/// - at least 8 records; the longest such run wins.
///
/// Measured here: Debian 13's 6.12.117 holds one such run, 79 records from
/// 0x08001227 to 0x0aa00216; Xen 4.17.7 and 4.20.4 (xen.gz and xen.efi)
/// one of 41, 0x0800126f to 0x0aa00216; Debian 12's 6.1.192 none. At any
/// offset instead of aligned ones, the same 6.12 kernel shows about 200
/// runs of 8 or more (byte patterns in tables of other records).
public enum DigestTable {
    public static let recordSize = 36
    public static let minimumRecords = 8

    /// The table, or nil when `bytes` hold none. One pass over the bytes.
    public static func find(in bytes: [UInt8]) -> [PatchDigest]? {
        bytes.withUnsafeBytes { raw -> [PatchDigest]? in
            guard raw.count >= recordSize * minimumRecords else { return nil }
            // A run continues 36 bytes on; at a 4-byte step the offsets fall
            // into 9 interleaved chains, each with its own current run.
            let chains = recordSize / 4
            var start = [Int](repeating: 0, count: chains)
            var count = [Int](repeating: 0, count: chains)
            var next = [Int](repeating: -1, count: chains)
            var last = [UInt32](repeating: 0, count: chains)
            var best = (start: 0, count: 0)

            func finish(_ chain: Int) {
                if count[chain] >= minimumRecords, count[chain] > best.count { best = (start[chain], count[chain]) }
            }

            var offset = 0
            let end = raw.count - recordSize
            var chain = 0
            while offset <= end {
                defer {
                    offset += 4
                    chain = chain == chains - 1 ? 0 : chain + 1
                }
                // The id's top byte (little-endian) first: most offsets stop here.
                let family = raw[offset + 3]
                guard family == 0x08 || family == 0x0a || family == 0x0b else { continue }
                guard looksLikeDigest(raw, at: offset + 4) else { continue }
                let id = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
                if next[chain] == offset && id > last[chain] {
                    count[chain] += 1
                } else {
                    finish(chain)
                    start[chain] = offset
                    count[chain] = 1
                }
                last[chain] = id
                next[chain] = offset + recordSize
            }
            for chain in 0..<chains { finish(chain) }
            guard best.count > 0 else { return nil }

            var table: [PatchDigest] = []
            table.reserveCapacity(best.count)
            for index in 0..<best.count {
                let record = best.start + index * recordSize
                let id = raw.loadUnaligned(fromByteOffset: record, as: UInt32.self).littleEndian
                table.append(PatchDigest(patchID: id, sha256: Array(raw[(record + 4)..<(record + recordSize)])))
            }
            return table
        }
    }

    @inline(__always)
    private static func looksLikeDigest(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        var seen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var zeros = 0
        for index in offset..<(offset + 32) {
            let byte = raw[index]
            if byte == 0 { zeros += 1 }
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: seen.0 |= bit
            case 1: seen.1 |= bit
            case 2: seen.2 |= bit
            default: seen.3 |= bit
            }
        }
        let distinct = seen.0.nonzeroBitCount + seen.1.nonzeroBitCount + seen.2.nonzeroBitCount + seen.3.nonzeroBitCount
        return zeros <= 6 && distinct >= 20
    }
}
