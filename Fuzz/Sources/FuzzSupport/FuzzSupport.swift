import CLibFuzzer

#if canImport(Glibc)
import Glibc
#endif

/// What libFuzzer calls for each input. Set once, before the driver starts,
/// and only read after: the C callback cannot capture a Swift closure.
nonisolated(unsafe) private var testOneInput: (([UInt8]) -> Void)?

public enum Fuzzer {
    /// Hands `body` to libFuzzer as the test of one input and exits with
    /// the driver's status. `body` gets its own copy of the bytes, as the
    /// library's callers do (files are read into arrays).
    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        testOneInput = body
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            testOneInput?(bytes)
            return 0
        }
        exit(status)
    }

    /// A broken invariant is a finding like a crash: say which, then abort
    /// so libFuzzer saves the input.
    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        guard !condition() else { return }
        let text = "fuzz invariant failed at \(file):\(line): \(message())\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        abort()
    }

    /// Error text reaches an administrator as one line of stderr; a newline
    /// or other control character in it (say, copied from the input) would
    /// break that.
    public static func requireOneLine(_ text: String, file: StaticString = #fileID, line: UInt = #line) {
        require(!text.isEmpty, "empty error message", file: file, line: line)
        require(
            !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f },
            "error message has a control character: \(text.debugDescription)", file: file, line: line)
    }

    /// `bytes` placed inside a larger buffer, for checking that parsers
    /// given a slice (as the catalog gives them, from one big read) report
    /// offsets from the slice's start and never look outside it.
    public static func embedded(_ bytes: [UInt8], padding: Int = 13) -> (buffer: [UInt8], range: Range<Int>) {
        let buffer = [UInt8](repeating: 0xA5, count: padding) + bytes + [UInt8](repeating: 0x5A, count: padding)
        return (buffer, padding..<(padding + bytes.count))
    }
}
