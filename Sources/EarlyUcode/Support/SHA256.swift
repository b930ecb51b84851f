import CLibCrypto

/// A SHA-256 digest, computed by the system's libcrypto (OpenSSL 3): the
/// only file that imports CLibCrypto.
///
/// What it is for: the golden archives' digests in the tests, and the
/// digests newer Linux (`arch/x86/kernel/cpu/microcode/amd_shas.c`) and Xen
/// loaders check AMD Zen patches against.
public struct SHA256: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32

    /// The digest's 32 bytes.
    public let bytes: [UInt8]

    /// The digest of `data`.
    public init(of data: UnsafeRawBufferPointer) {
        var digest = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        // An empty buffer may have no base address; libcrypto wants one even for zero bytes.
        let empty: UInt8 = 0
        let status = withUnsafePointer(to: empty) { placeholder in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(data.baseAddress ?? UnsafeRawPointer(placeholder), data.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only when libcrypto cannot allocate or load its
        // default provider: the process has no working libcrypto, and a
        // digest cannot be made up. (swift-crypto treats BoringSSL's
        // digest calls the same way.)
        precondition(status == 1 && length == UInt32(Self.byteCount),
                     "libcrypto: EVP_Digest(SHA-256) failed: \(Self.libcryptoError())")
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

    /// libcrypto's reason for the last failure on this thread.
    private static func libcryptoError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no reason given" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
