/// Intel's text distribution format (`microcode.dat`): lines of
/// `0x%08x,` dwords, and comment lines starting with `/`. The dwords, in
/// order and little-endian, are the same stream as a binary update file.
public struct IntelDatText: Sendable {
    /// The decoded binary stream.
    public var bytes: [UInt8]
    /// For dword n of `bytes`, the 1-based line it came from, so problems
    /// in the decoded updates can be reported against the text.
    public var lineOfWord: [Int32]

    /// A problem in the text, at a line and a byte offset of the file.
    public struct Problem: Error, Sendable, Equatable {
        public var line: Int
        public var offset: Int
        public var error: MicrocodeError
    }

    /// True when the first line that is neither blank nor a comment starts
    /// with `0x`: what a .dat file looks like and what prose never does.
    public static func looksLikeDat(_ text: ArraySlice<UInt8>) -> Bool {
        var index = text.startIndex
        while index < text.endIndex {
            var lineEnd = index
            while lineEnd < text.endIndex && text[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var first = index
            while first < lineEnd && isBlank(text[first]) { first += 1 }
            if first < lineEnd && text[first] != UInt8(ascii: "/") {
                return lineEnd - first >= 2 && text[first] == UInt8(ascii: "0")
                    && (text[first + 1] | 0x20) == UInt8(ascii: "x")
            }
            index = lineEnd + 1
        }
        return false
    }

    public static func decode(_ text: [UInt8]) throws(Problem) -> IntelDatText {
        var bytes: [UInt8] = []
        var lines: [Int32] = []
        bytes.reserveCapacity(text.count / 3)
        lines.reserveCapacity(text.count / 12)
        var line = 1
        var index = 0
        let end = text.count
        while index < end {
            var lineEnd = index
            while lineEnd < end && text[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var cursor = index
            while cursor < lineEnd && isBlank(text[cursor]) { cursor += 1 }
            if cursor < lineEnd && text[cursor] != UInt8(ascii: "/") {
                // Words separated by commas; blanks around them; a trailing comma is usual.
                var expectWord = true
                while cursor < lineEnd {
                    let c = text[cursor]
                    if isBlank(c) {
                        cursor += 1
                    } else if c == UInt8(ascii: ",") {
                        guard !expectWord else { throw Problem(line: line, offset: cursor, error: .datEmptyValue) }
                        expectWord = true
                        cursor += 1
                    } else {
                        guard expectWord else { throw Problem(line: line, offset: cursor, error: .datMissingComma) }
                        guard lineEnd - cursor >= 3, c == UInt8(ascii: "0"), text[cursor + 1] | 0x20 == UInt8(ascii: "x") else {
                            throw Problem(line: line, offset: cursor, error: .datExpectedHexValue)
                        }
                        var value: UInt32 = 0
                        var digits = 0
                        var scan = cursor + 2
                        while scan < lineEnd, let digit = Hex.digit(text[scan]) {
                            guard digits < 8 else {
                                throw Problem(line: line, offset: cursor, error: .datTooManyDigits)
                            }
                            value = value << 4 | UInt32(digit)
                            digits += 1
                            scan += 1
                        }
                        guard digits > 0 else { throw Problem(line: line, offset: cursor, error: .datNoDigits) }
                        if scan < lineEnd, !isBlank(text[scan]), text[scan] != UInt8(ascii: ",") {
                            throw Problem(line: line, offset: scan, error: .datUnexpectedCharacter)
                        }
                        bytes.appendLE(value)
                        lines.append(Int32(clamping: line))
                        expectWord = false
                        cursor = scan
                    }
                }
            }
            line += 1
            index = lineEnd + 1
        }
        return IntelDatText(bytes: bytes, lineOfWord: lines)
    }

    /// The text line that holds byte `offset` of the decoded stream.
    public func line(ofByte offset: Int) -> Int? {
        let word = offset / 4
        return lineOfWord.indices.contains(word) ? Int(lineOfWord[word]) : lineOfWord.last.map(Int.init)
    }

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
    }
}
