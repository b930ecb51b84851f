// AMD containers: AMDContainer.parseAll on the raw input and on the same
// bytes as a slice of a larger buffer; what parses must serialize to bytes
// that parse back to the same table and patches.
import EarlyUcode
import FuzzSupport

Fuzzer.run { bytes in
    let whole = Result { () throws(ParseError) in try AMDContainer.parseAll(bytes, path: "fuzz") }
    let (buffer, range) = Fuzzer.embedded(bytes)
    let sliced = Result { () throws(ParseError) in try AMDContainer.parseAll(buffer[range], path: "fuzz") }

    switch (whole, sliced) {
    case (.success(let containers), .success(let again)):
        Fuzzer.require(containers.map(\.origin.offset) == again.map(\.origin.offset), "slice gives other offsets")
        for container in containers {
            Fuzzer.require((0..<bytes.count).contains(container.origin.offset), "container offset outside the input")
            for patch in container.patches {
                Fuzzer.require(patch.bytes.count >= AMDPatch.headerSize, "patch shorter than its header")
                let start = patch.origin.offset + 8
                Fuzzer.require(patch.bytes.elementsEqual(bytes[start..<(start + patch.bytes.count)]), "patch bytes are not the input's")
            }
            let serialized = container.serialized()
            let reparsed = Result { () throws(ParseError) in try AMDContainer.parseAll(serialized, path: "fuzz") }
            guard case .success(let back) = reparsed else {
                Fuzzer.require(false, "serialized container does not parse: \(reparsed)")
                return
            }
            Fuzzer.require(back.count == 1, "serialized container parses as \(back.count)")
            Fuzzer.require(back[0].equivalenceTable == container.equivalenceTable, "table changed in serialization")
            Fuzzer.require(back[0].hasTerminator, "serialized table lacks the zero entry")
            Fuzzer.require(back[0].patches.map { Array($0.bytes) } == container.patches.map { Array($0.bytes) }, "patches changed in serialization")
        }
    case (.failure(let error), .failure(let again)):
        Fuzzer.require((0...bytes.count).contains(error.offset), "error offset \(error.offset) outside 0...\(bytes.count)")
        Fuzzer.require(error == again, "slice gives another error: \(error) vs \(again)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", error).description)
    default:
        Fuzzer.require(false, "whole buffer and slice disagree: \(whole) vs \(sliced)")
    }
}
