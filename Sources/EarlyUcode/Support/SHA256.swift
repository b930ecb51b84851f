import CSHA256

/// A SHA-256 digest (FIPS 180-4, section 6.2), computed here.
///
/// What it is for: the digests newer Linux (`arch/x86/kernel/cpu/microcode/
/// amd_shas.c`) and Xen loaders check AMD Zen patches against, and the
/// golden archives' digests in the tests. libcrypto, which this once loaded
/// with dlopen, cost 9.2M instructions to load and set up, and a
/// statically linked binary cannot load it safely. The rounds run on the
/// CPU's SHA extensions where it has them (CSHA256: `build --all` hashes
/// 36 Zen patches, 200 KB, for the loaders' digest lists: 8.5M
/// instructions in Swift), else in Swift.
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
        let compress = hardware ? Self.compressInHardware : Self.compress
        var state = Self.initialState
        let whole = data.count / 64 * 64
        if whole > 0, let base = data.baseAddress {
            compress(&state, UnsafeRawBufferPointer(start: base, count: whole))
        }
        // The tail, the 0x80 marker and the length in bits: one or two blocks.
        var last = [UInt8](repeating: 0, count: 128)
        let tail = data.count - whole
        for index in 0..<tail { last[index] = data[whole + index] }
        last[tail] = 0x80
        let blocks = tail < 56 ? 64 : 128
        let bits = UInt64(data.count) &* 8
        for index in 0..<8 { last[blocks - 1 - index] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index))) }
        last.withUnsafeBytes { compress(&state, UnsafeRawBufferPointer(rebasing: $0[0..<blocks])) }
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

    /// K, section 4.2.2: the first 32 bits of the fractional parts of the
    /// cube roots of the first sixty-four primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }

    /// Section 6.2.2 over every 64-byte block of `blocks`, on the SHA extensions.
    private static func compressInHardware(_ state: inout [UInt32], _ blocks: UnsafeRawBufferPointer) {
        guard let data = blocks.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        state.withUnsafeMutableBufferPointer { words in
            guard let words = words.baseAddress else { return }
            eu_sha256_hardware_blocks(words, data, blocks.count / 64)
        }
    }

    /// Section 6.2.2 over every 64-byte block of `blocks` (a multiple of 64 bytes).
    private static func compress(_ state: inout [UInt32], _ blocks: UnsafeRawBufferPointer) {
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
                var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
                var start = 0
                while start < blocks.count {
                    for t in 0..<16 {
                        // Big-endian words; loadUnaligned: the input has no alignment.
                        w[t] = UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: start + 4 * t, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                        let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                        w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in 0..<64 {
                        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[t] &+ w[t]
                        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                        h = g
                        g = f
                        f = e
                        e = d &+ t1
                        d = c
                        c = b
                        b = a
                        a = t1 &+ t2
                    }
                    h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d
                    h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ h
                    start += 64
                }
                state = [h0, h1, h2, h3, h4, h5, h6, h7]
            }
        }
    }
}
