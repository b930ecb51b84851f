import Testing

@testable import EarlyUcode

/// The loaders' limits and orders as written down once (Loaders/).
@Suite("Loader rules")
struct LoaderRulesTests {
    @Test(arguments: [
        (BootLoader.xen, 0x14, 1824 as Int?), (.xen, 0x17, 3200), (.xen, 0x19, 5568),
        // Xen 4.17 has no row for family 0x1a: the default 2048 (15296 arrives in 4.18.5/4.19.2/4.20).
        (.xen, 0x1a, 2048), (.xen, 0x10, 2048),
        (.linux, 0x10, 2048), (.linux, 0x14, 1824), (.linux, 0x13, 0), (.linux, 0x15, nil), (.linux, 0x19, nil),
    ])
    func amdPatchSizeLimits(_ loader: BootLoader, _ family: Int, _ limit: Int?) {
        #expect(LoaderLimits.amdPatchSizeLimit(loader, family: family) == limit)
    }

    @Test func everyRowNamesItsSource() {
        #expect(LoaderLimits.amdPatchSizes.allSatisfy { $0.source.hasPrefix("Xen 4.17 ") || $0.source.hasPrefix("Linux 6.1 ") })
        // One row per loader and family.
        let keys = LoaderLimits.amdPatchSizes.map { "\($0.loader)-\($0.family)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test(arguments: [
        (UInt32(2), UInt32(1), RevisionComparison.newer, RevisionComparison.newer),
        (1, 1, .equal, .equal),
        (0xffff_ff01, 0x2007006, .newer, .older),
        (0x8000_0000, 0x7fff_ffff, .newer, .older),
    ])
    func ordersDifferOnlyForTheTopBit(_ a: UInt32, _ b: UInt32, _ unsigned: RevisionComparison, _ signed: RevisionComparison) {
        #expect(RevisionOrder.unsigned.compare(a, b) == unsigned)
        #expect(RevisionOrder.signed.compare(a, b) == signed)
        #expect(RevisionOrder.linux == .unsigned && RevisionOrder.xen == .unsigned)
        #expect(RevisionOrder.selection(.intel) == .signed && RevisionOrder.selection(.amd) == .unsigned)
    }
}
