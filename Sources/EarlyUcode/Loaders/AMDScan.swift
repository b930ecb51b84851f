/// An AMD member's bytes as the loaders' C code reads them: a read past the
/// end answers nil, and the scans stop there as the C code stops.
struct AMDScan {
    let data: ArraySlice<UInt8>
    var start: Int { data.startIndex }
    var end: Int { data.endIndex }

    init(_ data: ArraySlice<UInt8>) { self.data = data }

    func u32(_ offset: Int) -> UInt32? { try? data.u32(at: offset) }
    func u16(_ offset: Int) -> UInt16? { try? data.u16(at: offset) }

    /// The CPU's family, or nil (with the reason set) when it is older than
    /// family 0x10, for which neither Linux nor Xen loads AMD microcode.
    static func family(of cpu: InspectedCPU, for prediction: inout LoadPrediction) -> Int? {
        let family = cpu.signature.family
        guard family >= 0x10 else {
            prediction.reason = "\(prediction.loader.name) loads no microcode on AMD family \(Hex.byte(UInt32(family)))"
            return nil
        }
        return family
    }
}
