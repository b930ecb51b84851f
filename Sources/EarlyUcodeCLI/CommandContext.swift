import EarlyUcode
#if canImport(Glibc)
import Glibc
#endif

/// Where a command's text goes: a file descriptor in the process, memory in
/// tests.
public protocol CommandOutput: AnyObject {
    /// What errors name ("standard output").
    var name: String { get }
    func write(_ bytes: UnsafeRawBufferPointer) throws(FileError)
}

/// Standard output or standard error of this process, written with
/// write(2): the C stdio globals are not concurrency-safe in Swift 6, and a
/// failed write to a closed pipe must not crash.
public final class DescriptorStream: CommandOutput {
    public let name: String
    private let fd: Int32

    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var sink = DescriptorSink(fd: fd, path: name)
        try sink.write(bytes)
    }
}

/// Output kept in memory, for tests.
public final class CapturedStream: CommandOutput {
    public let name: String
    public private(set) var bytes: [UInt8] = []

    public init(name: String) { self.name = name }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        self.bytes.append(contentsOf: bytes)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// What a command runs against: its output streams, its environment and the
/// folder the system's paths (/proc, /sys, /etc, /boot, /lib/firmware) are
/// under. The process gets `.process`; tests make their own and run
/// commands in-process (as swiftly's commands take a `SwiftlyCoreContext`).
public final class CommandContext {
    public let standardOutput: any CommandOutput
    public let standardError: any CommandOutput
    /// The environment the command sees: the one given, or (`process`)
    /// this process's, read on first use: building it is a third of what
    /// `--version` does, and most commands read one variable or none.
    public var environment: [String: String] {
        if let environment = givenEnvironment { return environment }
        let environment = Self.processEnvironment()
        givenEnvironment = environment
        return environment
    }
    private var givenEnvironment: [String: String]?
    /// "/" on a real host.
    public let root: String

    public init(standardOutput: any CommandOutput, standardError: any CommandOutput,
                environment: [String: String] = [:], root: String = "/") {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.givenEnvironment = environment
        self.root = root
    }

    /// A context whose environment is this process's, read when first asked for.
    private init(standardOutput: any CommandOutput, standardError: any CommandOutput) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.givenEnvironment = nil
        self.root = "/"
    }

    /// This process: file descriptors 1 and 2, its environment, `/`.
    public static var process: CommandContext {
        CommandContext(standardOutput: DescriptorStream(fd: 1, name: "standard output"),
                       standardError: DescriptorStream(fd: 2, name: "standard error"))
    }

    /// `environ` as a dictionary; the first of two entries with one name
    /// wins, as for getenv(3).
    private static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var entry = start else { return result }
        while let pointer = entry.pointee {
            // Split at the first "=" by bytes: a Character search costs
            // grapheme breaking on every byte of every variable.
            if let equals = strchr(pointer, 0x3d) {
                let length = pointer.distance(to: equals)
                let name = String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
                if result[name] == nil { result[name] = String(cString: equals + 1) }
            }
            entry += 1
        }
        return result
    }

    /// A system path (`/proc/cpuinfo`) below `root`.
    public func path(_ system: String) -> String {
        root == "/" || root.isEmpty ? system : (root.hasSuffix("/") ? String(root.dropLast()) : root) + system
    }

    // MARK: Text

    /// One line each: names and values printed here come from inputs
    /// (member names in an image, vendor_id in cpuinfo, file names), so
    /// their control characters and newlines are shown escaped; an input
    /// cannot drive the terminal or fake a line of its own.
    public func out(_ line: String) { emit(OneLine.escaped(line) + "\n", to: standardOutput) }
    public func err(_ line: String) { emit(OneLine.escaped(line) + "\n", to: standardError) }

    public func note(_ line: String) { err("early-ucode: note: " + line) }
    public func warning(_ line: String) { err("early-ucode: warning: " + line) }
    /// One line whatever the message quotes (file names, input bytes).
    public func error(_ line: String) { err("early-ucode: error: " + line) }

    /// A closed pipe must not crash a command, and there is nowhere left to
    /// report that the report could not be written.
    func emit(_ text: String, to stream: any CommandOutput) {
        var text = text
        text.withUTF8 { try? stream.write(UnsafeRawBufferPointer($0)) }
    }

    /// One JSON object on standard output: sorted keys, pretty, slashes as
    /// they are (the golden files in Tests/ are byte for byte this).
    public func json(_ value: some Encodable) throws {
        // Several lines by design; every control character in the values is escaped.
        emit(try JSONValue.encoding(value).text + "\n", to: standardOutput)
    }

    /// Standard output as a `ByteSink`, for `build -o -`.
    func outputSink() -> StreamSink { StreamSink(stream: standardOutput) }

    /// Runs a command body; every library error becomes one line on stderr
    /// and exit status 1.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitStatus {
            throw error
        } catch let error as UsageError {
            throw error
        } catch let error as CustomStringConvertible & Error {
            self.error(error.description)
            throw ExitStatus(1)
        }
    }
}

/// A stream as a `ByteSink`, so archives can be written to it.
struct StreamSink: ByteSink {
    let stream: any CommandOutput
    var path: String { stream.name }
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) { try stream.write(bytes) }
}
