// Intel .dat text: IntelDatText.decode, then the decoded stream through
// the update parser, as the catalog does, mapping errors back to lines.
import EarlyUcode
import FuzzSupport

Fuzzer.run { text in
    _ = IntelDatText.looksLikeDat(text[...])
    let decoded: IntelDatText
    do throws(IntelDatText.Problem) {
        decoded = try IntelDatText.decode(text)
    } catch {
        Fuzzer.require((0...text.count).contains(error.offset), "offset \(error.offset) outside 0...\(text.count)")
        Fuzzer.require(error.line >= 1, "line \(error.line)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", offset: error.offset, line: error.line, .microcode(error.error)).description)
        return
    }
    Fuzzer.require(decoded.bytes.count == 4 * decoded.lineOfWord.count, "\(decoded.bytes.count) bytes for \(decoded.lineOfWord.count) words")
    Fuzzer.require(zip(decoded.lineOfWord, decoded.lineOfWord.dropFirst()).allSatisfy { $0 <= $1 }, "line numbers go back")
    do throws(ParseError) {
        _ = try IntelUpdate.parseAll(decoded.bytes, path: "fuzz")
    } catch {
        let line = decoded.line(ofByte: error.offset)
        Fuzzer.require(decoded.bytes.isEmpty || line != nil, "no line for byte \(error.offset)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", line: line, .microcode(.inDecodedUpdates(error.problem, byte: error.offset))).description)
    }
}
