import Testing

@testable import EarlyUcode

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-2's examples (appendix B), and the digest of nothing.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        let sha = SHA256(of: Array(input.utf8))
        #expect(sha.hex == digest)
        #expect(sha.description == digest)
        #expect(sha.bytes.count == SHA256.byteCount)
    }

    @Test func aMillionAs() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let digest = million.withUnsafeBytes { SHA256(of: $0, hardware: false) }
        #expect(digest.hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length from 0 to 300 bytes (each side of the 55/56 and 64-byte
    /// padding boundaries, one to five blocks) and a real AMD patch's size,
    /// against another implementation: Python's hashlib (OpenSSL's), given
    /// the same bytes. Both ways of running the rounds: in plain C, and on the
    /// CPU's SHA extensions (the next test, where the CPU has them).
    @Test func everyPaddingCaseAgreesWithHashlib() throws {
        try agreeWithHashlib(hardware: false)
    }

    @Test(.enabled(if: SHA256.hardware, "this CPU has no SHA extensions"))
    func everyPaddingCaseAgreesWithHashlibOnTheSHAExtensions() throws {
        try agreeWithHashlib(hardware: true)
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(million.withUnsafeBytes { SHA256(of: $0, hardware: true) }.hex
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func agreeWithHashlib(hardware: Bool) throws {
        let lengths = Array(0...300) + [5568]
        func input(_ length: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ length) } }
        let script = """
            import hashlib, sys
            for n in map(int, sys.argv[1:]):
                print(hashlib.sha256(bytes((i * 131 + n) & 0xff for i in range(n))).hexdigest())
            """
        let result = try run("/usr/bin/python3", ["-c", script] + lengths.map(String.init))
        try #require(result.status == 0, "\(result.stderr)")
        let expected = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(expected.count == lengths.count)
        for (length, digest) in zip(lengths, expected) {
            #expect(input(length).withUnsafeBytes { SHA256(of: $0, hardware: hardware) }.hex == digest, "length \(length)")
        }
    }

    /// A slice, a buffer and a non-contiguous collection give the digest of their own bytes.
    @Test func everyWayInAgrees() {
        let bytes = Array("xxabcxx".utf8)
        let abc = SHA256(of: Array("abc".utf8))
        let slice = SHA256(of: bytes[2..<5])
        let buffer = bytes[2..<5].withUnsafeBytes { SHA256(of: $0) }
        let view = SHA256(of: "abc".utf8)
        #expect(slice == abc && buffer == abc && view == abc)
        let empty = SHA256(of: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(empty == SHA256(of: [UInt8]()))
    }

    @Test func hexRoundTrip() throws {
        let digest = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        let parsed = try #require(SHA256(hex: digest))
        let abc = SHA256(of: Array("abc".utf8))
        #expect(parsed == abc)
        #expect(parsed.hex == digest.lowercased())
        #expect(SHA256(hex: String(digest.dropLast())) == nil)
        #expect(SHA256(hex: digest + "0") == nil)
        #expect(SHA256(hex: "g" + digest.dropFirst()) == nil)
        #expect(SHA256(hex: "") == nil)
    }
}
