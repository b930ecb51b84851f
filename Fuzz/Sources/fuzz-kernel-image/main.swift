// bzImage kernels (/boot/vmlinuz-*): KernelImage.header, then
// KernelImage.read (the payload decompressed through libarchive within a
// small bound, and the digest-table scan over what came out), and the scan
// over the raw input too. Every error is one line at an offset inside the
// input; every table found has the shape the scan promises.
import EarlyUcode
import FuzzSupport

// Small, so a mutated payload that expands stops after a megabyte.
let bound = DecompressionBound(ratio: 32, floor: 1 << 20, cap: 8 << 20)

func checkTable(_ table: [PatchDigest]?) {
    guard let table else { return }
    Fuzzer.require(table.count >= DigestTable.minimumRecords, "table of \(table.count) records")
    for (earlier, later) in zip(table, table.dropFirst()) {
        Fuzzer.require(earlier.patchID < later.patchID, "patch ids not ascending")
    }
    for digest in table {
        Fuzzer.require(digest.sha256.count == 32, "digest of \(digest.sha256.count) bytes")
        Fuzzer.require([0x08, 0x0a, 0x0b].contains(digest.patchID >> 24), "patch id \(digest.patchID) outside the Zen families")
    }
}

Fuzzer.run { bytes in
    checkTable(DigestTable.find(in: bytes))
    do throws(ParseError) {
        let header = try KernelImage.header(bytes)
        Fuzzer.require(header.setupSize <= header.payload.lowerBound && header.payload.upperBound <= bytes.count, "payload \(header.payload) outside the input")
        Fuzzer.require(header.stream.lowerBound == header.payload.lowerBound && header.stream.upperBound <= header.payload.upperBound, "stream outside the payload")
        Fuzzer.require(!header.versionText.isEmpty && header.versionText.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f }, "version text \(header.versionText.debugDescription)")
        let (image, digests) = try KernelImage.read(bytes, bound: bound)
        Fuzzer.require(image == header, "read gives another header")
        checkTable(digests)
    } catch {
        Fuzzer.require((0...bytes.count).contains(error.offset), "error offset \(error.offset) outside 0...\(bytes.count)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", error).description)
    }
}
