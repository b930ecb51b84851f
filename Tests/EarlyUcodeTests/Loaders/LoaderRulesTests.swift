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
        #expect(LoaderLimits.amdPatchSizes.allSatisfy { $0.source.hasPrefix("Xen 4.") || $0.source.hasPrefix("Linux 6.") })
        #expect(LoaderRules.rows.allSatisfy { $0.source.hasPrefix("Xen ") || $0.source.hasPrefix("Linux ") })
        // One row per loader, family and rule.
        let keys = LoaderLimits.amdPatchSizes.map { "\($0.loader)-\($0.family)-\($0.requires?.rawValue ?? "")" }
        #expect(Set(keys).count == keys.count)
        #expect(LoaderLimits.amdPatchSizeLimit(.xen, family: 0x1a, rules: [.xenFamily1AhSize]) == 15296)
    }

    /// The releases of Debian 12 and 13 and their neighbours on each side of a backport.
    @Test(arguments: [
        (BootLoader.linux, "6.1.192", [LoaderRule]()),
        (.linux, "6.12.17", []),
        (.linux, "6.12.117", [.amdDigestCheck, .amdZenPatchIDMatch]),
        (.linux, "6.6.81", [.amdDigestCheck, .amdZenPatchIDMatch]),
        (.linux, "6.13.0", [.amdZenPatchIDMatch]),
        (.linux, "6.14.0", [.amdDigestCheck, .amdZenPatchIDMatch]),
        (.linux, "7.0.1", [.amdDigestCheck, .amdZenPatchIDMatch]),
        (.xen, "4.17.5", []),
        (.xen, "4.17.7", [.amdDigestCheck, .amdMinimumRevision]),
        (.xen, "4.19.2", [.xenFamily1AhSize, .xenTableWithoutTerminator]),
        (.xen, "4.20.0", [.xenFamily1AhSize, .xenTableWithoutTerminator, .xenIntelDataSizeMultipleOf4, .xenAllowSameRemoved]),
        (.xen, "4.20.4", [.amdDigestCheck, .amdMinimumRevision, .xenFamily1AhSize, .xenTableWithoutTerminator,
                          .xenIntelDataSizeMultipleOf4, .xenUcodeFileCPIO, .xenAllowSameRemoved]),
        (.xen, "4.22.0", LoaderRule.allCases.filter { $0 != .amdZenPatchIDMatch }),
    ])
    func rulesByRelease(_ loader: BootLoader, _ version: String, _ expected: [LoaderRule]) throws {
        let release = try #require(LoaderVersion(parsing: version))
        #expect(LoaderRules.rules(loader, release) == Set(expected))
    }

    @Test(arguments: [
        ("6.1.0-57-amd64", LoaderVersion(6, 1, 0)), ("4.17.7+13-g2445b30a44-0+deb12u1", LoaderVersion(4, 17, 7)),
        ("6.12.117", LoaderVersion(6, 12, 117)), ("4.20", LoaderVersion(4, 20, 0)),
    ])
    func versionsParse(_ text: String, _ version: LoaderVersion) {
        #expect(LoaderVersion(parsing: text) == version)
    }

    @Test func entrysignCutoffs() {
        // Milan B1 (0xa00f11): 0xa0011da is the last vulnerable revision.
        #expect(!EntrysignCutoffs.firmwareFixed(running: 0xa0011da))
        #expect(EntrysignCutoffs.firmwareFixed(running: 0xa0011db))
        // QEMU's made-up revision: a stepping not in the table is checked.
        #expect(!EntrysignCutoffs.firmwareFixed(running: 0x1000065))
        #expect(!EntrysignCutoffs.firmwareFixed(running: nil))
        #expect(EntrysignCutoffs.affected(CPUSignature(0xa00f11), loader: .linux))
        #expect(!EntrysignCutoffs.affected(CPUSignature(0x610f01), loader: .linux))   // family 15h
        #expect(!EntrysignCutoffs.affected(CPUSignature(0xb20f40), loader: .linux) == false)   // Zen 5 1Ah model 0x24
        #expect(AMDPatch.signature(encodedIn: 0x0a0011d5) == CPUSignature(0xa00f11))
        #expect(AMDPatch.signature(encodedIn: 0x0800126e) == CPUSignature(0x800f12))
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
