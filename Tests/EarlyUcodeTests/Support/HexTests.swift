import Testing

@testable import EarlyUcode

@Suite("Hex spellings")
struct HexTests {
    /// The spellings every report uses, against the standard library's
    /// radix-16 formatting, zero-padded: each width at the edges where a
    /// digit is added, and a spread of values between.
    @Test(arguments: [1, 2, 8])
    func spelledIsRadix16ZeroPadded(minimumDigits: Int) {
        var values: [UInt32] = [0, 1, 9, 0xa, 0xf, 0xff, 0xffff_ffff, 0x8000_0000]
        for shift in 0..<32 { values += [1 << shift, (1 << shift) - 1] }
        var state: UInt32 = 0x1234_5678
        for _ in 0..<500 {
            state = state &* 1_664_525 &+ 1_013_904_223
            values.append(state)
        }
        for value in values {
            let digits = String(value, radix: 16)
            let expected = "0x" + String(repeating: "0", count: max(0, minimumDigits - digits.count)) + digits
            #expect(Hex.spelled(value, minimumDigits: minimumDigits) == expected, "\(value)")
        }
        #expect(Hex.word(0xa0f11) == "0x000a0f11" && Hex.byte(0x2) == "0x02" && Hex.short(0x2007006) == "0x2007006")
    }
}
