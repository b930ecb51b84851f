import Testing

@testable import EarlyUcode

@Suite("SHA-256 (libcrypto)")
struct SHA256Tests {
    /// FIPS 180-2's examples (appendix B), and the digest of nothing.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) throws {
        let sha = try SHA256(of: Array(input.utf8))
        #expect(sha.hex == digest)
        #expect(sha.description == digest)
        #expect(sha.bytes.count == SHA256.byteCount)
    }

    @Test func aMillionAs() throws {
        let digest = try SHA256(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(digest.hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A slice, a buffer and a non-contiguous collection give the digest of their own bytes.
    @Test func everyWayInAgrees() throws {
        let bytes = Array("xxabcxx".utf8)
        let abc = try SHA256(of: Array("abc".utf8))
        let slice = try SHA256(of: bytes[2..<5])
        let buffer = try bytes[2..<5].withUnsafeBytes { try SHA256(of: $0) }
        let view = try SHA256(of: "abc".utf8)
        #expect(slice == abc && buffer == abc && view == abc)
        let empty = try SHA256(of: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(try empty == SHA256(of: [UInt8]()))
    }

    @Test func hexRoundTrip() throws {
        let digest = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        let parsed = try #require(SHA256(hex: digest))
        let abc = try SHA256(of: Array("abc".utf8))
        #expect(parsed == abc)
        #expect(parsed.hex == digest.lowercased())
        #expect(SHA256(hex: String(digest.dropLast())) == nil)
        #expect(SHA256(hex: digest + "0") == nil)
        #expect(SHA256(hex: "g" + digest.dropFirst()) == nil)
        #expect(SHA256(hex: "") == nil)
    }
}
