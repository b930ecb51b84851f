/// Little-endian reads from byte buffers. Every read is bounds-checked and
/// reports the absolute offset where it failed.
extension ArraySlice where Element == UInt8 {
    /// The little-endian 32-bit word at absolute index `index`.
    @inline(__always)
    func u32(at index: Int) throws(ParseError) -> UInt32 {
        guard index >= startIndex, index <= endIndex - 4 else {
            throw ParseError(offset: index, "truncated: need 4 bytes, \(Swift.max(0, endIndex - index)) left")
        }
        return unsafeU32(at: index)
    }

    @inline(__always)
    func u16(at index: Int) throws(ParseError) -> UInt16 {
        guard index >= startIndex, index <= endIndex - 2 else {
            throw ParseError(offset: index, "truncated: need 2 bytes, \(Swift.max(0, endIndex - index)) left")
        }
        return UInt16(self[index]) | UInt16(self[index + 1]) << 8
    }

    /// For reads the caller has already bounds-checked. Still checked here,
    /// in release builds too: a parser bug must stop, never read past a
    /// buffer.
    @inline(__always)
    func unsafeU32(at index: Int) -> UInt32 {
        precondition(index >= startIndex && index <= endIndex - 4, "read outside the buffer")
        return withUnsafeBytes { raw in
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index - startIndex, as: UInt32.self))
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
