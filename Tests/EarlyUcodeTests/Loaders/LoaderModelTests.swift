import Testing

@testable import EarlyUcode

/// The versioned models over fabricated members: the digest check (Linux
/// refuses the patch it chose, Xen passes over to an older listed one),
/// Linux's patch-id matching on Zen, Xen's minimum revision and table rules.
@Suite("Loader models by version")
struct LoaderModelTests {
    static let milan = InspectedCPU(signature: CPUSignature(0xa00f11), vendor: .amd, runningRevision: 0x1000065, isHost: true)

    static func patch(_ id: UInt32, minimum: UInt32? = nil) -> [UInt8] {
        var bytes = ImageFixture.amdPatch(id: id, equivalenceID: 0xa011, size: 5568)
        bytes.replaceSubrange(12..<16, with: ImageFixture.le32(minimum ?? 0))
        return bytes
    }

    static func member(_ patches: [[UInt8]], cpu: UInt32 = 0xa00f11, terminator: Bool = true) -> [UInt8] {
        ImageFixture.amdContainer([(cpu: cpu, id: 0xa011)], terminator: terminator, patches: patches)
    }

    static func digest(_ patch: [UInt8]) -> PatchDigest {
        PatchDigest(patchID: Fabricate.le32(patch, at: 4), sha256: SHA256(of: patch).bytes)
    }

    static func model(_ loader: BootLoader, _ version: String, digests: [PatchDigest]?) -> LoaderModel {
        LoaderModel(loader: loader, version: LoaderVersion(parsing: version), binary: "/boot/binary", digests: digests)
    }

    static let good = patch(0x0a0011d5)

    @Test(arguments: [BootLoader.linux, .xen])
    func listedPatchIsTaken(_ loader: BootLoader) {
        let model = Self.model(loader, loader == .linux ? "6.12.117" : "4.20.4", digests: [Self.digest(Self.good)])
        let prediction = model.predict(cpu: Self.milan, data: Self.member([Self.good]), base: 100)
        #expect(prediction.candidate?.revision == 0x0a0011d5)
        #expect(prediction.version == LoaderVersion(parsing: loader == .linux ? "6.12.117" : "4.20.4"))
        #expect(prediction.binary == "/boot/binary")
        #expect(prediction.notes.contains { $0.contains("SHA-256 is in") })
    }

    @Test(arguments: [BootLoader.linux, .xen])
    func alteredPatchIsRefused(_ loader: BootLoader) {
        var flipped = Self.good
        flipped[1000] ^= 0x01
        let model = Self.model(loader, loader == .linux ? "6.12.117" : "4.17.7", digests: [Self.digest(Self.good)])
        let prediction = model.predict(cpu: Self.milan, data: Self.member([flipped]), base: 0)
        #expect(prediction.candidate == nil)
        #expect(prediction.isKnown)
        #expect(prediction.reason.contains("SHA-256 of patch 0x0a0011d5 is not the one"))
    }

    @Test(arguments: [BootLoader.linux, .xen])
    func unlistedPatchIsRefusedAsNewerThanTheLoader(_ loader: BootLoader) {
        let model = Self.model(loader, loader == .linux ? "6.12.117" : "4.20.4", digests: [Self.digest(Self.patch(0x0a0011d1))])
        let prediction = model.predict(cpu: Self.milan, data: Self.member([Self.good]), base: 0)
        #expect(prediction.candidate == nil)
        let name = loader == .linux ? "Linux 6.12.117" : "Xen 4.20.4"
        #expect(prediction.reason.contains("digest of patch 0x0a0011d5 is not in \(name)'s list"))
        #expect(prediction.reason.contains(loader == .linux ? "update the kernel" : "update the hypervisor"))
    }

    /// Linux 6.1 has no list: the altered patch is still tried.
    @Test func linuxWithoutTheCheckTriesAnything() {
        var flipped = Self.good
        flipped[1000] ^= 0x01
        let prediction = Self.model(.linux, "6.1.192", digests: nil).predict(cpu: Self.milan, data: Self.member([flipped]), base: 0)
        #expect(prediction.candidate?.revision == 0x0a0011d5)
    }

    /// A release that checks but whose list was not found: unknown, not refused.
    @Test func missingListIsUnknown() {
        let prediction = Self.model(.linux, "6.12.117", digests: nil).predict(cpu: Self.milan, data: Self.member([Self.good]), base: 0)
        #expect(prediction.candidate == nil)
        #expect(!prediction.isKnown)
        #expect(prediction.reason.hasPrefix("unknown: "))
    }

    /// Fixed firmware (past 0xa0011da) or the boot option: no check.
    @Test func checkIsSkippedForFixedFirmwareOrOption() {
        var flipped = Self.good
        flipped[1000] ^= 0x01
        var fixed = Self.milan
        fixed.runningRevision = 0xa0011db
        let model = Self.model(.linux, "6.12.117", digests: [Self.digest(Self.good)])
        #expect(model.predict(cpu: fixed, data: Self.member([flipped]), base: 0).candidate?.revision == 0x0a0011d5)
        var off = model
        off.options = LoaderOptions(digestCheckOff: true)
        #expect(off.predict(cpu: Self.milan, data: Self.member([flipped]), base: 0).candidate?.revision == 0x0a0011d5)
    }

    /// Xen checks while choosing: an older listed patch wins over a newer unlisted one; Linux refuses what it chose.
    @Test func xenFallsBackToAnOlderListedPatch() {
        let older = Self.patch(0x0a0011d1)
        let member = Self.member([older, Self.good])
        let digests = [Self.digest(older)]
        let xen = Self.model(.xen, "4.20.4", digests: digests).predict(cpu: Self.milan, data: member, base: 0)
        #expect(xen.candidate?.revision == 0x0a0011d1)
        #expect(xen.notes.contains { $0.contains("passes over digest of patch 0x0a0011d5") })
        let linux = Self.model(.linux, "6.12.117", digests: digests).predict(cpu: Self.milan, data: member, base: 0)
        #expect(linux.candidate == nil)
    }

    /// Linux 6.12 matches Zen patches by the signature in the patch id: a
    /// table that does not name the CPU does not matter.
    @Test func linuxZenMatchesByPatchID() {
        let member = Self.member([Self.good], cpu: 0xa00f10)
        let digests = [Self.digest(Self.good)]
        #expect(Self.model(.linux, "6.12.117", digests: digests).predict(cpu: Self.milan, data: member, base: 0).candidate?.revision == 0x0a0011d5)
        #expect(Self.model(.linux, "6.1.192", digests: nil).predict(cpu: Self.milan, data: member, base: 0).candidate == nil)
    }

    @Test func xenMinimumRevision() {
        let strict = Self.patch(0x0a0011d5, minimum: 0x0a0011d0)
        let member = Self.member([strict])
        let model = Self.model(.xen, "4.20.4", digests: [Self.digest(strict)])
        let prediction = model.predict(cpu: Self.milan, data: member, base: 0)
        #expect(prediction.candidate?.revision == 0x0a0011d5)
        #expect(prediction.applies == false)
        #expect(prediction.refusedAtLoad?.contains("below the patch's minimum revision 0xa0011d0") == true)
        var recent = Self.milan
        recent.runningRevision = 0x0a0011d0
        #expect(model.predict(cpu: recent, data: member, base: 0).refusedAtLoad == nil)
        // 4.17.5 has no such rule (and no digest check).
        #expect(Self.model(.xen, "4.17.5", digests: nil).predict(cpu: Self.milan, data: member, base: 0).refusedAtLoad == nil)
    }

    @Test func xenTableWithoutTerminator() {
        let member = Self.member([Self.good], terminator: false)
        #expect(Self.model(.xen, "4.17.5", digests: nil).predict(cpu: Self.milan, data: member, base: 0).candidate == nil)
        #expect(Self.model(.xen, "4.20.4", digests: [Self.digest(Self.good)]).predict(cpu: Self.milan, data: member, base: 0).candidate?.revision == 0x0a0011d5)
    }

    @Test func unreadableBinaryIsUnknown() {
        let model = LoaderModel(loader: .xen, binary: "/boot/xen.gz", unreadable: "/boot/xen.gz: not a gzip stream")
        let prediction = model.predict(cpu: Self.milan, data: Self.member([Self.good]), base: 0)
        #expect(!prediction.isKnown)
        #expect(prediction.reason == "unknown: /boot/xen.gz: not a gzip stream")
    }
}
