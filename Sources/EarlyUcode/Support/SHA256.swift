import CLibCrypto

/// A SHA-256 digest, computed by the system's libcrypto (OpenSSL 3), which
/// is loaded on first use: the only file that imports CLibCrypto.
///
/// What it is for: the golden archives' digests in the tests, and the
/// digests newer Linux (`arch/x86/kernel/cpu/microcode/amd_shas.c`) and Xen
/// loaders check AMD Zen patches against.
public struct SHA256: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32

    /// The digest's 32 bytes.
    public let bytes: [UInt8]

    /// libcrypto could not be loaded (or failed): the reason, for an
    /// "unknown" answer rather than a guessed one.
    public struct Unavailable: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "cannot compute SHA-256: " + reason }
    }

    /// The digest of `data`.
    public init(of data: UnsafeRawBufferPointer) throws(Unavailable) {
        var digest = [UInt8](repeating: 0, count: Self.byteCount)
        let status = digest.withUnsafeMutableBufferPointer { out in
            eu_sha256(data.baseAddress, data.count, out.baseAddress)
        }
        // Fails only when libcrypto.so.3 cannot be loaded or cannot allocate
        // its default provider.
        guard status == 1 else { throw Unavailable(reason: Self.libcryptoError()) }
        bytes = digest
    }

    /// The digest of `data` ([UInt8], ArraySlice<UInt8>, ...).
    public init(of data: some Collection<UInt8>) throws(Unavailable) {
        let result: Result<SHA256, Unavailable>? = data.withContiguousStorageIfAvailable { buffer in
            Result { () throws(Unavailable) in try SHA256(of: UnsafeRawBufferPointer(buffer)) }
        }
        if let result {
            self = try result.get()
        } else {
            let copy = Array(data)
            let result = copy.withUnsafeBytes { raw in Result { () throws(Unavailable) in try SHA256(of: raw) } }
            self = try result.get()
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

    /// libcrypto's reason for the last failure on this thread (or why it
    /// could not be loaded).
    private static func libcryptoError() -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        eu_crypto_error(&buffer, buffer.count)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "libcrypto gave no reason" : text
    }
}
