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

/// One file the inputs are written to, for code that reads files by path
/// (the image walker uses pread). It is unlinked at once and reached
/// through /proc/self/fd, so nothing is left behind, even after a crash.
public final class ScratchFile {
    private let fd: Int32
    public let path: String

    public init() {
        var template = Array("/dev/shm/early-ucode-fuzz.XXXXXX".utf8CString)
        var fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        if fd < 0 {
            template = Array("/tmp/early-ucode-fuzz.XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        }
        Fuzzer.require(fd >= 0, "cannot create a scratch file")
        template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
        self.fd = fd
        path = "/proc/self/fd/\(fd)"
    }

    /// Makes the file hold exactly `bytes`.
    public func replaceContents(with bytes: [UInt8]) {
        Fuzzer.require(ftruncate(fd, 0) == 0, "ftruncate failed")
        var written = 0
        bytes.withUnsafeBytes { raw in
            while written < raw.count, let base = raw.baseAddress {
                let done = pwrite(fd, base + written, raw.count - written, off_t(written))
                if done <= 0 { break }
                written += done
            }
        }
        Fuzzer.require(written == bytes.count, "short write to the scratch file")
    }
}

