// Loader cache entries (/var/cache/early-ucode/*): LoaderBinaryCacheEntry.parse.
// The format is strict, so what parses is canonical: it must encode back
// to exactly the input. Errors are one line at an offset inside the input.
import EarlyUcode
import FuzzSupport

Fuzzer.run { bytes in
    do throws(ParseError) {
        let entry = try LoaderBinaryCacheEntry.parse(bytes)
        let encoded = entry.encoded()
        Fuzzer.require(encoded == bytes, "entry does not encode back to its bytes")
        if let binary = entry.binary {
            Fuzzer.require(binary.path == entry.path && binary.digests == entry.digests && binary.problem == nil, "binary differs from the entry")
        }
    } catch {
        guard case .loaderBinary(.damagedCacheEntry) = error.problem else {
            Fuzzer.require(false, "unexpected problem \(error.problem)")
            return
        }
        Fuzzer.require((0...bytes.count).contains(error.offset), "error offset \(error.offset) outside 0...\(bytes.count)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", error).description)
    }
}
