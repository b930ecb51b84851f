// Intel binary updates: IntelUpdate.parseAll on the raw input, on the same
// bytes as a slice of a larger buffer, and on a copy whose checksums are
// fixed up, so mutations get past the checksum to the extended table.
import EarlyUcode
import FuzzSupport

func check(_ bytes: [UInt8]) {
    let whole = Result { () throws(ParseError) in try IntelUpdate.parseAll(bytes, path: "fuzz") }
    let (buffer, range) = Fuzzer.embedded(bytes)
    let sliced = Result { () throws(ParseError) in try IntelUpdate.parseAll(buffer[range], path: "fuzz") }

    switch (whole, sliced) {
    case (.success(let updates), .success(let again)):
        var offset = 0
        for update in updates {
            Fuzzer.require(update.origin.offset == offset, "update at \(update.origin.offset), expected \(offset)")
            Fuzzer.require(update.bytes.count == update.totalSize, "bytes \(update.bytes.count) != total size \(update.totalSize)")
            Fuzzer.require(update.totalSize % 1024 == 0 && update.totalSize >= 48 + update.dataSize, "bad sizes accepted")
            Fuzzer.require(update.bytes.elementsEqual(bytes[offset..<(offset + update.totalSize)]), "update bytes are not the input's")
            Fuzzer.require(!update.signatures.isEmpty, "update without a signature")
            offset += update.totalSize
        }
        Fuzzer.require(offset == bytes.count, "updates cover \(offset) of \(bytes.count) bytes")
        Fuzzer.require(updates.map(\.origin.offset) == again.map(\.origin.offset), "slice gives other offsets")
    case (.failure(let error), .failure(let again)):
        Fuzzer.require((0...bytes.count).contains(error.offset), "error offset \(error.offset) outside 0...\(bytes.count)")
        Fuzzer.require(error == again, "slice gives another error: \(error) vs \(again)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", error).description)
    default:
        Fuzzer.require(false, "whole buffer and slice disagree: \(whole) vs \(sliced)")
    }
}

/// Sets each plausible update's checksums so the header, data and
/// extended table sums are 0 (and, unless the table's first reserved byte
/// is odd, each extended entry's checksum matches).
func fixingChecksums(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    func u32(_ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
    func set(_ at: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }
    func sum(_ range: Range<Int>) -> UInt32 {
        stride(from: range.lowerBound, to: range.upperBound, by: 4).reduce(0) { $0 &+ u32($1) }
    }
    var start = 0
    while bytes.count - start >= 48 {
        let dataField = Int(u32(start + 0x1c))
        let data = dataField == 0 ? 2000 : dataField
        let total = dataField == 0 ? 2048 : Int(u32(start + 0x20))
        guard data % 4 == 0, total >= 48 + data, total <= bytes.count - start, total > 0 else { break }
        set(start + 0x10, 0)
        set(start + 0x10, 0 &- sum(start..<(start + 48 + data)))
        let table = start + 48 + data
        let tableSize = total - 48 - data
        if tableSize >= 20 {
            let count = Int(u32(table))
            if 20 + 12 * count == tableSize {
                if bytes[table + 8] & 1 == 0 {
                    let key = u32(start + 0x0c) &+ u32(start + 0x18) &+ u32(start + 0x10)
                    for index in 0..<count {
                        let entry = table + 20 + 12 * index
                        set(entry + 8, key &- u32(entry) &- u32(entry + 4))
                    }
                }
                set(table + 4, 0)
                set(table + 4, 0 &- sum(table..<(table + tableSize)))
            }
        }
        start += total
    }
    return bytes
}

Fuzzer.run { bytes in
    check(bytes)
    let fixed = fixingChecksums(bytes)
    if fixed != bytes { check(fixed) }
}
