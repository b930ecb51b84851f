/// How far a compressed stream in a boot binary may expand before reading
/// stops: a few hundred bytes that claim gigabytes must cost a bounded
/// amount of memory and time and end with one line.
///
/// Measured here: Debian 12's kernel payload (xz) expands 8.1 times
/// (8,122,340 to 65,906,612 bytes), Debian 13's (zstd) 4.8 times
/// (11,922,360 to 57,646,496), Xen 4.17's and 4.20's xen.gz 2.2 times.
/// 32 times leaves room for better compressors and larger kernels; the
/// floor lets small inputs (tests, tiny kernels) expand freely; the cap
/// is four times the largest kernel seen.
public struct DecompressionBound: Sendable, Equatable {
    public var ratio: Int
    public var floor: Int
    public var cap: Int

    public init(ratio: Int = 32, floor: Int = 16 << 20, cap: Int = 256 << 20) {
        self.ratio = ratio
        self.floor = floor
        self.cap = cap
    }

    public static let standard = DecompressionBound()

    /// The most bytes `compressed` input bytes may decompress to.
    public func limit(compressed: Int) -> Int {
        let (scaled, overflow) = compressed.multipliedReportingOverflow(by: ratio)
        return min(cap, max(floor, overflow ? Int.max : scaled))
    }
}

enum Decompression {
    /// `input` (found at `offset` of its file) decompressed within `bound`;
    /// every failure is a `ParseError` at `offset`.
    static func decompress(_ input: ArraySlice<UInt8>, as compression: Compression, at offset: Int,
                           bound: DecompressionBound, sizeHint: Int = 0) throws(ParseError) -> [UInt8] {
        let limit = bound.limit(compressed: input.count)
        do throws(RawDecompressionFailure) {
            return try LibArchiveRaw.decompress(input, as: compression, limit: limit, sizeHint: sizeHint)
        } catch {
            let problem: LoaderBinaryError = switch error {
            case .limit: .decompressionBomb(compression, limit: limit, compressed: input.count)
            case .unsupported: .decompressionUnsupported(compression)
            case .library(let reason): .decompressionFailed(compression, reason)
            }
            throw ParseError(offset: offset, .loaderBinary(problem))
        }
    }
}
