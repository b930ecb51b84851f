// Xen images (/boot/xen-*.gz, xen.efi, a bare ELF): XenImage.read, with
// xen.gz decompressed through libarchive within a small bound, the version
// rule and the digest-table scan. Every error is one line at an offset
// inside the input; a version read is the one its text names.
import EarlyUcode
import FuzzSupport

let bound = DecompressionBound(ratio: 32, floor: 1 << 20, cap: 8 << 20)

Fuzzer.run { bytes in
    do throws(ParseError) {
        let image = try XenImage.read(bytes, bound: bound)
        Fuzzer.require(LoaderVersion(parsing: image.versionText) == image.version, "version \(image.version) from \(image.versionText.debugDescription)")
        Fuzzer.require(image.version.major >= 4, "major version \(image.version.major)")
        Fuzzer.require((image.compression == .gzip) == (image.format == .gzipELF), "compression \(String(describing: image.compression)) for \(image.format)")
        if let table = image.digests {
            Fuzzer.require(table.count >= DigestTable.minimumRecords, "table of \(table.count) records")
            for (earlier, later) in zip(table, table.dropFirst()) {
                Fuzzer.require(earlier.patchID < later.patchID, "patch ids not ascending")
            }
        }
    } catch {
        Fuzzer.require((0...bytes.count).contains(error.offset), "error offset \(error.offset) outside 0...\(bytes.count)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", error).description)
    }
}
