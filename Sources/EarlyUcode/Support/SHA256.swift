import CSHA256

/// A SHA-256 digest (FIPS 180-4, section 6.2), computed here.
///
/// What it is for: the digests newer Linux (`arch/x86/kernel/cpu/microcode/
/// amd_shas.c`) and Xen loaders check AMD Zen patches against, and the
/// golden archives' digests in the tests. libcrypto, which this once loaded
/// with dlopen, cost 9.2M instructions to load and set up, and a
/// statically linked binary cannot load it safely. The rounds are CSHA256's:
/// on the CPU's SHA extensions where it has them (`build --all` hashes 36
/// Zen patches, 200 KB, for the loaders' digest lists: 8.5M instructions
/// in plain code), else in plain C.
public struct SHA256: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32

    /// The digest's 32 bytes.
    public let bytes: [UInt8]

    /// Whether this CPU has the SHA extensions.
    static let hardware = eu_sha256_hardware() == 1

    /// The digest of `data`.
    public init(of data: UnsafeRawBufferPointer) {
        self.init(of: data, hardware: Self.hardware)
    }

    /// The digest of `data`, with the SHA extensions or without (tests run both).
    init(of data: UnsafeRawBufferPointer, hardware: Bool) {
        var state = Self.initialState
        let whole = data.count / 64 * 64
        if whole > 0, let base = data.baseAddress {
            Self.compress(&state, UnsafeRawBufferPointer(start: base, count: whole), hardware: hardware)
        }
        // The tail, the 0x80 marker and the length in bits: one or two blocks.
        var last = [UInt8](repeating: 0, count: 128)
        let tail = data.count - whole
        for index in 0..<tail { last[index] = data[whole + index] }
        last[tail] = 0x80
        let blocks = tail < 56 ? 64 : 128
        let bits = UInt64(data.count) &* 8
        for index in 0..<8 { last[blocks - 1 - index] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index))) }
        last.withUnsafeBytes { Self.compress(&state, UnsafeRawBufferPointer(rebasing: $0[0..<blocks]), hardware: hardware) }
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.byteCount)
        for word in state {
            for shift in stride(from: 24, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        bytes = digest
    }

    /// The digest of `data` ([UInt8], ArraySlice<UInt8>, ...).
    public init(of data: some Collection<UInt8>) {
        if let digest = data.withContiguousStorageIfAvailable({ SHA256(of: UnsafeRawBufferPointer($0)) }) {
            self = digest
        } else {
            self = Array(data).withUnsafeBytes { SHA256(of: $0) }
        }
    }

    /// 64 hexadecimal digits, either case (a digest written in a table or a
    /// file); nil for anything else.
    public init?(hex: some StringProtocol) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Hex.digit(digits[index]), let low = Hex.digit(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// 64 lowercase hexadecimal digits, as `sha256sum` prints them.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * bytes.count)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public var description: String { hex }

    // MARK: FIPS 180-4

    /// H(0), section 5.3.3: the first 32 bits of the fractional parts of
    /// the square roots of the first eight primes.
    private static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    /// Section 6.2.2 over every 64-byte block of `blocks` (a multiple of 64
    /// bytes): CSHA256's rounds, on the SHA extensions or in plain C.
    private static func compress(_ state: inout [UInt32], _ blocks: UnsafeRawBufferPointer, hardware: Bool) {
        guard let data = blocks.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        state.withUnsafeMutableBufferPointer { words in
            guard let words = words.baseAddress else { return }
            if hardware {
                eu_sha256_hardware_blocks(words, data, blocks.count / 64)
            } else {
                eu_sha256_portable_blocks(words, data, blocks.count / 64)
            }
        }
    }
}
