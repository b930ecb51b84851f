// One microcode file as the catalog sees it: format detection by content,
// then the parser it picks. Catches inputs that detection sends to a
// parser that then misbehaves.
import EarlyUcode
import FuzzSupport

Fuzzer.run { bytes in
    let problem: String?
    switch MicrocodeFormat.of(bytes) {
    case .amdContainer:
        do throws(ParseError) { _ = try AMDContainer.parseAll(bytes, path: "fuzz"); problem = nil } catch { problem = InputError(path: "fuzz", error).description }
    case .intelBinary:
        do throws(ParseError) { _ = try IntelUpdate.parseAll(bytes, path: "fuzz"); problem = nil } catch { problem = InputError(path: "fuzz", error).description }
    case .intelText:
        Fuzzer.require(!bytes.prefix(4096).contains(0), "text with a NUL in its first 4 KiB")
        do throws(IntelDatText.Problem) {
            let text = try IntelDatText.decode(bytes)
            _ = try? IntelUpdate.parseAll(text.bytes, path: "fuzz")
            problem = nil
        } catch {
            problem = error.error.description
        }
    case .notMicrocode(let reason):
        problem = reason
    case .unknownBinary:
        problem = nil
    }
    if let problem { Fuzzer.requireOneLine(problem) }
}
