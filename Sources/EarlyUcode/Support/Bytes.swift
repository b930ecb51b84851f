/// The one way parsers read numbers out of bytes: little-endian, unaligned,
/// and bounds-checked. Every read outside the bytes throws a `ParseError`
/// carrying the absolute offset, so a parser bug (or a length field it
/// forgot to check) becomes a one-line error, never a read past a buffer.
extension ArraySlice where Element == UInt8 {
    @inline(__always)
    func u32(at index: Int) throws(ParseError) -> UInt32 {
        try need(4, at: index)
        return withUnsafeBytes { raw in
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index - startIndex, as: UInt32.self))
        }
    }

    @inline(__always)
    func u16(at index: Int) throws(ParseError) -> UInt16 {
        try need(2, at: index)
        return UInt16(self[index]) | UInt16(self[index + 1]) << 8
    }

    @inline(__always)
    func u8(at index: Int) throws(ParseError) -> UInt8 {
        try need(1, at: index)
        return self[index]
    }

    /// `count` ASCII hexadecimal digits, either case, as a number: how cpio
    /// headers spell their fields. Nil when a byte is not a digit.
    func hexDigits(at index: Int, count: Int) throws(ParseError) -> UInt32? {
        try need(count, at: index)
        var value: UInt32 = 0
        for byte in self[index..<(index + count)] {
            guard let digit = Hex.digit(byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    @inline(__always)
    private func need(_ count: Int, at index: Int) throws(ParseError) {
        guard index >= startIndex, index <= endIndex - count else {
            throw ParseError(offset: index, .truncated(need: count, left: Swift.max(0, endIndex - index)))
        }
    }

    /// The 32-bit wrapping sum of all little-endian dwords; count must be a
    /// multiple of 4. Intel's checksums make this zero.
    func dwordSum() -> UInt32 {
        withUnsafeBytes { raw in
            var sum: UInt32 = 0
            var offset = 0
            let end = raw.count & ~3
            while offset < end {
                sum &+= UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                offset += 4
            }
            return sum
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }

    mutating func appendLE(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }
}
