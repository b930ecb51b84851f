import ArgumentParser
import EarlyUcode
import FoundationEssentials

/// All terminal output: stdout for results, stderr for diagnostics, one
/// line per problem, and the exit status chosen once.
enum Console {
    /// One line each: names and values printed here come from inputs
    /// (member names in an image, vendor_id in cpuinfo, file names), so
    /// their control characters and newlines are shown escaped; an input
    /// cannot drive the terminal or fake a line of its own.
    static func out(_ line: String) { emit(OneLine.escaped(line) + "\n", fd: 1) }
    static func err(_ line: String) { emit(OneLine.escaped(line) + "\n", fd: 2) }

    /// Writes with write(2): the C stdio globals are not concurrency-safe in
    /// Swift 6, and a failed write to a closed pipe must not crash.
    private static func emit(_ text: String, fd: Int32) {
        var sink = DescriptorSink(fd: fd, path: fd == 1 ? "standard output" : "standard error")
        var text = text
        text.withUTF8 { try? sink.write(UnsafeRawBufferPointer($0)) }
    }

    static func note(_ line: String) { err("early-ucode: note: " + line) }
    static func warning(_ line: String) { err("early-ucode: warning: " + line) }
    /// One line whatever the message quotes (file names, input bytes).
    static func error(_ line: String) { err("early-ucode: error: " + line) }

    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        // Several lines by design; the encoder has escaped every control character in the values.
        emit(String(decoding: data, as: UTF8.self) + "\n", fd: 1)
    }

    /// Runs a command body; every library error becomes one line on stderr
    /// and exit status 1.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as CustomStringConvertible & Error {
            Console.error(error.description)
            throw ExitCode(1)
        }
    }
}
