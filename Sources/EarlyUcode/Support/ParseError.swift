/// A structural problem found at a byte offset of an input.
///
/// Parsers see only bytes, never paths; the code that opened the file wraps
/// this into an ``InputError`` so the message names the file too.
public struct ParseError: Error, Sendable, Equatable {
    public var offset: Int
    public var reason: String

    public init(offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

/// A problem with one input file: what an administrator sees, on one line.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// Byte offset in the file, when the problem has one.
    public var offset: Int?
    /// Line number (1-based) for text inputs.
    public var line: Int?
    public var reason: String

    public init(path: String, offset: Int? = nil, line: Int? = nil, reason: String) {
        self.path = path
        self.offset = offset
        self.line = line
        self.reason = reason
    }

    public init(path: String, _ error: ParseError) {
        self.init(path: path, offset: error.offset, reason: error.reason)
    }

    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        if let offset { text += ": offset \(offset) (\(Hex.offset(offset)))" }
        // Paths and reasons can quote hostile bytes; keep it one line.
        return OneLine.escaped(text + ": " + reason)
    }
}
