import ArgumentParser
import EarlyUcode
import Foundation

/// All terminal output: stdout for results, stderr for diagnostics, one
/// line per problem, and the exit status chosen once.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func note(_ line: String) { err("early-ucode: note: " + line) }
    static func warning(_ line: String) { err("early-ucode: warning: " + line) }
    static func error(_ line: String) { err("early-ucode: error: " + line) }

    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
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
