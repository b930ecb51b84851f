import Testing

@testable import EarlyUcode

/// A catalog from in-memory files, each named `intelN` / `amdN`.
func makeCatalog(intel: [[UInt8]] = [], amd: [[UInt8]] = []) throws -> MicrocodeCatalog {
    var catalog = MicrocodeCatalog()
    for (index, file) in intel.enumerated() { catalog.intel += try IntelUpdate.parseAll(file, path: "intel\(index)") }
    for (index, file) in amd.enumerated() { catalog.amd += try AMDContainer.parseAll(file, path: "amd\(index)") }
    return catalog
}

func intelTarget(_ signature: UInt32, _ platforms: UInt32? = nil) -> CPUTarget {
    CPUTarget(signature: CPUSignature(signature), platforms: platforms.map { PlatformFlags($0) }, vendor: .intel)
}

func amdTarget(_ signature: UInt32) -> CPUTarget {
    CPUTarget(signature: CPUSignature(signature), vendor: .amd)
}

@Suite("Selection: Intel")
struct IntelSelectionTests {
    @Test func newestRevisionPerSignatureAndPlatformWinsAcrossFiles() throws {
        let older = Fabricate.intelUpdate(revision: 0x2006e05, date: 0x0311_2022, signature: 0x50654, platforms: 0xb7)
        let newer = Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7)
        let other = Fabricate.intelUpdate(revision: 0x100, signature: 0x50657, platforms: 0xbf)
        let catalog = try makeCatalog(intel: [newer + other, older])
        for scope in [SelectionScope.all, .cpus([intelTarget(0x50654, 0x80)])] {
            let selection = Selection(catalog: catalog, request: SelectionRequest(scope: scope))
            #expect(selection.intel.contains { $0.revision == 0x2007006 })
            #expect(!selection.intel.contains { $0.revision == 0x2006e05 })
            #expect(selection.intelVerdicts[0].isSelected)
            #expect(selection.intelVerdicts[2] == .superseded(by: 0x2007006))
        }
        let all = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        #expect(all.intel.map(\.revision) == [0x2007006, 0x100])
        #expect(all.intelVerdicts[0] == .selected(for: ["0x01", "0x02", "0x04", "0x10", "0x20", "0x80"].map { "0x00050654/" + $0 }))
        let one = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0x50654, 0x80)])))
        #expect(one.intel.map(\.revision) == [0x2007006])
        #expect(one.intelVerdicts == [.selected(for: ["0x00050654/0x80"]), .otherCPU, .superseded(by: 0x2007006)])
        #expect(one.notes.isEmpty)
    }

    @Test func orderOfFilesDoesNotMatter() throws {
        let a = Fabricate.intelUpdate(revision: 5, signature: 0x906ea, platforms: 0x22)
        let b = Fabricate.intelUpdate(revision: 7, signature: 0x906ea, platforms: 0x22)
        let c = Fabricate.intelUpdate(revision: 6, signature: 0x906ea, platforms: 0x22)
        for files in [[a, b, c], [c, b, a], [b, a, c]] {
            let selection = Selection(catalog: try makeCatalog(intel: files), request: SelectionRequest(scope: .all))
            #expect(selection.intel.map(\.revision) == [7])
        }
    }

    @Test func preProductionRevisionsAreOlderThanProduction() throws {
        let preProduction = Fabricate.intelUpdate(revision: 0xffff_ff00, signature: 0x906ea, platforms: 0x22)
        let production = Fabricate.intelUpdate(revision: 0x1, signature: 0x906ea, platforms: 0x22)
        let selection = Selection(catalog: try makeCatalog(intel: [preProduction, production]), request: SelectionRequest(scope: .all))
        #expect(selection.intel.map(\.revision) == [1])
        #expect(selection.intelVerdicts[0] == .superseded(by: 1))
    }

    /// 0f-04-0a ships rev 2 for pf 0x5d and rev 4 for pf 0x5c: platform 0 only
    /// has rev 2, so both are kept, as iucode_tool does.
    @Test func overlappingPlatformMasksKeepBoth() throws {
        let rev2 = Fabricate.intelUpdate(revision: 2, date: 0x0610_2005, signature: 0xf4a, platforms: 0x5d, legacy: true)
        let rev4 = Fabricate.intelUpdate(revision: 4, date: 0x1214_2005, signature: 0xf4a, platforms: 0x5c, legacy: true)
        let catalog = try makeCatalog(intel: [rev2 + rev4])
        let all = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        #expect(all.intel.map(\.revision) == [4, 2])   // ordered by platforms
        #expect(all.intelVerdicts == [
            .selected(for: ["0x00000f4a/0x01"]),
            .selected(for: ["0x00000f4a/0x04", "0x00000f4a/0x08", "0x00000f4a/0x10", "0x00000f4a/0x40"]),
        ])

        let platform0 = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0xf4a, 0x01)])))
        #expect(platform0.intel.map(\.revision) == [2])
        #expect(platform0.intelVerdicts == [.selected(for: ["0x00000f4a/0x01"]), .otherCPU])
        let platform2 = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0xf4a, 0x04)])))
        #expect(platform2.intel.map(\.revision) == [4])
        #expect(platform2.intelVerdicts == [.superseded(by: 4), .selected(for: ["0x00000f4a/0x04"])])
        let platform1 = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0xf4a, 0x02)])))
        #expect(platform1.isEmpty)
        #expect(platform1.notes == ["no microcode found for 0x00000f4a (0f-04-0a)"])
    }

    @Test func extendedTableUpdateIsWrittenOnce() throws {
        let shared = Fabricate.intelUpdate(
            revision: 0x2b000650, signature: 0x806f8, platforms: 0x87,
            extended: [.init(signature: 0x806f8, platforms: 0x87), .init(signature: 0x806f7, platforms: 0x87),
                       .init(signature: 0x806f6, platforms: 0x87)])
        let olderForF7 = Fabricate.intelUpdate(revision: 0x2b000600, signature: 0x806f7, platforms: 0x87)
        let newerForF6 = Fabricate.intelUpdate(revision: 0x2b000700, signature: 0x806f6, platforms: 0x80)
        let catalog = try makeCatalog(intel: [shared, olderForF7, newerForF6])

        let all = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        #expect(all.intel.map(\.revision) == [0x2b000700, 0x2b000650])
        #expect(all.intelVerdicts[1] == .superseded(by: 0x2b000650))
        guard case .selected(let keys) = all.intelVerdicts[0] else {
            Issue.record("shared update not selected: \(all.intelVerdicts[0])")
            return
        }
        // 0x806f6 platform 7 is served by the newer update, its platforms 0 and 1 still by the shared one.
        #expect(keys.contains("0x000806f6/0x01") && keys.contains("0x000806f7/0x80") && keys.contains("0x000806f8/0x04"))
        #expect(!keys.contains("0x000806f6/0x80"))

        let fleet = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([
            intelTarget(0x806f8, 0x80), intelTarget(0x806f7, 0x80), intelTarget(0x806f6, 0x01),
        ])))
        #expect(fleet.intel.map(\.revision) == [0x2b000650])
        #expect(fleet.intelVerdicts[0] == .selected(for: ["0x000806f6/0x01", "0x000806f7/0x80", "0x000806f8/0x80"]))
        #expect(fleet.intelVerdicts[2] == .otherCPU)
    }

    @Test func identicalUpdateFromTwoFilesIsWrittenOnce() throws {
        let update = Fabricate.intelUpdate(revision: 0xf6, signature: 0x806ea, platforms: 0xc0)
        let catalog = try makeCatalog(intel: [update, update])
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        #expect(selection.intel.count == 1)
        #expect(selection.intel.first?.origin.path == "intel0")
        #expect(selection.intelVerdicts[0].isSelected)
        #expect(selection.intelVerdicts[1] == .duplicate(of: MicrocodeOrigin(path: "intel0", offset: 0)))
        #expect(selection.intelVerdicts[1].code == "duplicate")
    }

    @Test func sameRevisionWithLaterDateWins() throws {
        let early = Fabricate.intelUpdate(revision: 0xf6, date: 0x0201_2024, signature: 0x806ea, platforms: 0xc0)
        let late = Fabricate.intelUpdate(revision: 0xf6, date: 0x0301_2024, signature: 0x806ea, platforms: 0xc0)
        let selection = Selection(catalog: try makeCatalog(intel: [early, late]), request: SelectionRequest(scope: .all))
        #expect(selection.intel.map(\.date) == [MicrocodeDate(0x0301_2024)])
        #expect(selection.intelVerdicts == [.duplicate(of: MicrocodeOrigin(path: "intel1", offset: 0)), .selected(for: ["0x000806ea/0x40", "0x000806ea/0x80"])])
    }

    @Test func unknownPlatformFlagsSelectEveryPlatformWithANote() throws {
        let p1 = Fabricate.intelUpdate(revision: 0xf4, signature: 0x906ea, platforms: 0x22)
        let p2 = Fabricate.intelUpdate(revision: 0xf8, signature: 0x906ea, platforms: 0x01)
        let p3 = Fabricate.intelUpdate(revision: 0x11, signature: 0x906eb, platforms: 0x02)
        let catalog = try makeCatalog(intel: [p1 + p2 + p3])
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0x906ea)])))
        #expect(selection.intel.map(\.revision) == [0xf8, 0xf4])
        #expect(selection.intelVerdicts[2] == .otherCPU)
        #expect(selection.notes == ["platform flags of 0x000906ea are unknown: updates for every platform were selected"])

        // Known flags: only the matching update.
        let known = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0x906ea, 0x20)])))
        #expect(known.intel.map(\.revision) == [0xf4])
        #expect(known.notes.isEmpty)
    }

    @Test func cpuWithoutVendorIsMatchedToo() throws {
        let catalog = try makeCatalog(intel: [Fabricate.intelUpdate(revision: 0x42, signature: 0x706a1, platforms: 0x01)])
        let target = try #require(CPUTarget(parsing: "0x706a1,0x01"))
        #expect(target.vendor == nil)
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([target])))
        #expect(selection.intel.map(\.revision) == [0x42])
        let wrongPlatform = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([try #require(CPUTarget(parsing: "06-7a-01,0x02"))])))
        #expect(wrongPlatform.isEmpty)
    }

    @Test func excludedSignatureGetsNothing() throws {
        let shared = Fabricate.intelUpdate(revision: 0x650, signature: 0x806f8, platforms: 0x87,
                                           extended: [.init(signature: 0x806f7, platforms: 0x87)])
        let other = Fabricate.intelUpdate(revision: 0x42, signature: 0x706a1, platforms: 0x01)
        let catalog = try makeCatalog(intel: [shared, other])
        let exclusion = Exclusion(signature: CPUSignature(0x806f7))
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all, exclusions: [exclusion]))
        // An update that serves the excluded CPU through its extended table is left out too.
        #expect(selection.intel.map(\.revision) == [0x42])
        #expect(selection.intelVerdicts == [.excluded(exclusion), .selected(for: ["0x000706a1/0x01"])])
        #expect(selection.intelVerdicts[0].code == "excluded")
    }

    @Test func excludedRevisionFallsBackToTheNextOlder() throws {
        let f4 = Fabricate.intelUpdate(revision: 0xf4, signature: 0x806ea, platforms: 0xc0)
        let f6 = Fabricate.intelUpdate(revision: 0xf6, signature: 0x806ea, platforms: 0xc0)
        let f2 = Fabricate.intelUpdate(revision: 0xf2, signature: 0x806ea, platforms: 0xc0)
        let catalog = try makeCatalog(intel: [f4, f6, f2])
        let exclusion = try #require(Exclusion(parsing: "0x806ea,0xf6"))
        #expect(exclusion == Exclusion(signature: CPUSignature(0x806ea), revision: 0xf6))
        for scope in [SelectionScope.all, .cpus([intelTarget(0x806ea, 0x80)])] {
            let selection = Selection(catalog: catalog, request: SelectionRequest(scope: scope, exclusions: [exclusion]))
            #expect(selection.intel.map(\.revision) == [0xf4])
            #expect(selection.intelVerdicts[1] == .excluded(exclusion))
            #expect(selection.intelVerdicts[2] == .superseded(by: 0xf4))
        }
    }

    @Test func vendorRestriction() throws {
        let catalog = try makeCatalog(
            intel: [Fabricate.intelUpdate(revision: 0x42, signature: 0x706a1)],
            amd: [Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)],
                                         patches: [Fabricate.amdPatch(patchID: 0xa0011d5, equivalenceID: 0xa011)])])
        let amdOnly = Selection(catalog: catalog, request: SelectionRequest(scope: .all, vendors: [.amd]))
        #expect(amdOnly.intel.isEmpty)
        #expect(amdOnly.intelVerdicts == [.otherVendor])
        #expect(amdOnly.amd.count == 1)
        let intelOnly = Selection(catalog: catalog, request: SelectionRequest(scope: .all, vendors: [.intel]))
        #expect(intelOnly.amd.isEmpty)
        #expect(intelOnly.amdVerdicts == [.otherVendor])
        #expect(intelOnly.intel.count == 1)
        #expect(intelOnly.amdVerdicts.first?.code == "other-vendor")
    }

    @Test func newestDateSkipsInvalidDates() throws {
        let catalog = try makeCatalog(
            intel: [Fabricate.intelUpdate(revision: 1, date: 0x0306_2023, signature: 0x50654)],
            amd: [Fabricate.amdContainer([.init(cpu: 0x100f22, equivalenceID: 0x1022)],
                                         patches: [Fabricate.amdPatch(patchID: 0x1000083, equivalenceID: 0x1022, date: 0x1309_2031)])])
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        #expect(selection.amd.count == 1)
        #expect(selection.newestDate == MicrocodeDate(0x0306_2023))
        #expect(Selection().newestDate == nil)
    }

    @Test(arguments: [
        ("0x50654", CPUTarget(signature: CPUSignature(0x50654))),
        ("06-55-04,0x80", CPUTarget(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x80))),
        ("0xa00f11,0", CPUTarget(signature: CPUSignature(0xa00f11), platforms: PlatformFlags(0))),
    ] as [(String, CPUTarget)])
    func cpuTargetParsing(_ text: String, _ expected: CPUTarget) {
        #expect(CPUTarget(parsing: text) == expected)
    }

    @Test(arguments: ["", "0x50654,", "0x50654,0x100", "0x50654,0x80,1", "zz", ",0x80"])
    func cpuTargetRejects(_ text: String) {
        #expect(CPUTarget(parsing: text) == nil)
    }

    @Test func exclusionParsing() {
        #expect(Exclusion(parsing: "0x50654") == Exclusion(signature: CPUSignature(0x50654)))
        #expect(Exclusion(parsing: "06-55-04,0x2007006") == Exclusion(signature: CPUSignature(0x50654), revision: 0x2007006))
        #expect(Exclusion(parsing: "0x50654,") == nil)
        #expect(Exclusion(parsing: "0x50654,1,2") == nil)
        #expect(Exclusion(parsing: "0x50654,0x2007006").map(\.description) == "0x00050654 rev 0x2007006")
    }
}

@Suite("Selection: AMD")
struct AMDSelectionTests {
    static let milanOld = Fabricate.amdPatch(patchID: 0x0a0011d1, equivalenceID: 0xa011, date: 0x0725_2023, size: 5568)
    static let milan = Fabricate.amdPatch(patchID: 0x0a0011d5, equivalenceID: 0xa011, date: 0x0311_2025, size: 5568)
    static let milanB0 = Fabricate.amdPatch(patchID: 0x0a00107a, equivalenceID: 0xa010, size: 5568)
    static let genoa = Fabricate.amdPatch(patchID: 0x0a101154, equivalenceID: 0xa111, size: 5568)
    static let zen1 = Fabricate.amdPatch(patchID: 0x0800126e, equivalenceID: 0x8012, size: 3200)
    static let rome = Fabricate.amdPatch(patchID: 0x0830107c, equivalenceID: 0x8310, size: 3200)

    /// B (older Milan patch only), then the fam19h file, then fam17h.
    static var files: [[UInt8]] {
        [
            Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], patches: [milanOld]),
            Fabricate.amdContainer([
                .init(cpu: 0xa00f10, equivalenceID: 0xa010),
                .init(cpu: 0xa00f11, equivalenceID: 0xa011),
                .init(cpu: 0xa10f11, equivalenceID: 0xa111, errataMask: 0x10, errataCompare: 0x20),
            ], patches: [milanB0, milan, genoa]),
            Fabricate.amdContainer([.init(cpu: 0x830f10, equivalenceID: 0x8310), .init(cpu: 0x800f12, equivalenceID: 0x8012)],
                                   patches: [zen1, rome]),
        ]
    }

    @Test func hostSelectionTakesNewestPatchAcrossContainers() throws {
        let catalog = try makeCatalog(amd: Self.files)
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(0xa00f11)])))
        #expect(selection.intel.isEmpty)
        try #require(selection.amd.count == 1)
        let container = selection.amd[0]
        // Only the entry this CPU needs.
        #expect(container.equivalenceTable == [EquivalenceEntry(installedCPU: CPUSignature(0xa00f11), equivalenceID: 0xa011)])
        #expect(container.patches.map(\.patchID) == [0x0a0011d5])
        #expect(container.patches.first.map { Array($0.bytes) } == Self.milan)
        #expect(selection.amdVerdicts == [
            .superseded(by: 0x0a0011d5), .otherCPU, .selected(for: ["0x00a00f11"]), .otherCPU, .otherCPU, .otherCPU,
        ])
        #expect(selection.amdVerdicts.map(\.code) == ["older", "other-cpu", "selected", "other-cpu", "other-cpu", "other-cpu"])
        // serialized() adds the terminator: exactly the container Xen 4.17 accepts.
        #expect(container.serialized() == Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], patches: [Self.milan]))
        #expect(selection.notes.isEmpty)
    }

    @Test func orderOfContainersDoesNotMatter() throws {
        let files = Self.files
        for order in [[0, 1, 2], [1, 0, 2], [2, 1, 0]] {
            let catalog = try makeCatalog(amd: order.map { files[$0] })
            let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(0xa00f11)])))
            #expect(selection.amd.flatMap { $0.patches.map(\.patchID) } == [0x0a0011d5])
        }
    }

    @Test func allMakesOneContainerPerFamily() throws {
        let catalog = try makeCatalog(amd: Self.files)
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        try #require(selection.amd.count == 2)
        let (fam17, fam19) = (selection.amd[0], selection.amd[1])
        #expect(fam17.equivalenceTable.map(\.installedCPU.rawValue) == [0x800f12, 0x830f10])
        #expect(fam17.patches.map(\.patchID) == [0x0800126e, 0x0830107c])
        #expect(fam19.equivalenceTable.map(\.installedCPU.rawValue) == [0xa00f10, 0xa00f11, 0xa10f11])
        #expect(fam19.equivalenceTable[2] == EquivalenceEntry(installedCPU: CPUSignature(0xa10f11), errataMask: 0x10, errataCompare: 0x20, equivalenceID: 0xa111))
        #expect(fam19.patches.map(\.patchID) == [0x0a00107a, 0x0a0011d5, 0x0a101154])
        #expect(selection.amdVerdicts.first == .superseded(by: 0x0a0011d5))
        #expect(selection.amdVerdicts.dropFirst().allSatisfy { $0.isSelected })
        // Each built container parses back with its terminator.
        for container in selection.amd {
            let parsed = try AMDContainer.parseAll(container.serialized(), path: "built")
            #expect(parsed.count == 1)
            #expect(parsed.first?.hasTerminator == true)
            let parsedPatches = parsed.first?.patches.map { Array($0.bytes) }
            #expect(parsedPatches == container.patches.map { Array($0.bytes) })
        }
    }

    @Test func twoCPUsSharingAPatchGetItOnce() throws {
        let shared = Fabricate.amdPatch(patchID: 0x0a10124e, equivalenceID: 0xa112)
        let file = Fabricate.amdContainer([.init(cpu: 0xa10f11, equivalenceID: 0xa112), .init(cpu: 0xa10f12, equivalenceID: 0xa112)],
                                          patches: [shared])
        let selection = Selection(catalog: try makeCatalog(amd: [file]),
                                  request: SelectionRequest(scope: .cpus([amdTarget(0xa10f12), amdTarget(0xa10f11)])))
        try #require(selection.amd.count == 1)
        #expect(selection.amd[0].equivalenceTable.map(\.installedCPU.rawValue) == [0xa10f11, 0xa10f12])
        #expect(selection.amd[0].patches.count == 1)
        #expect(selection.amdVerdicts == [.selected(for: ["0x00a10f11", "0x00a10f12"])])
    }

    @Test func duplicateContainersGiveDuplicateVerdicts() throws {
        let file = Self.files[1]
        let catalog = try makeCatalog(amd: [file, file])
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all))
        #expect(selection.amd.flatMap { $0.patches.map(\.patchID) } == [0x0a00107a, 0x0a0011d5, 0x0a101154])
        #expect(selection.amd.flatMap { $0.patches.map(\.origin.path) } == ["amd0", "amd0", "amd0"])
        let origins = catalog.amd[0].patches.map(\.origin)
        #expect(Array(selection.amdVerdicts.suffix(3)) == origins.map { .duplicate(of: $0) })
        #expect(selection.amdVerdicts.prefix(3).allSatisfy { $0.isSelected })
    }

    @Test func excludedRevisionFallsBackToOlderPatch() throws {
        let catalog = try makeCatalog(amd: Self.files)
        let exclusion = Exclusion(signature: CPUSignature(0xa00f11), revision: 0x0a0011d5)
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(0xa00f11)]), exclusions: [exclusion]))
        #expect(selection.amd.flatMap { $0.patches.map(\.patchID) } == [0x0a0011d1])
        #expect(selection.amdVerdicts[0].isSelected)
        #expect(selection.amdVerdicts[2] == .excluded(exclusion))
    }

    @Test func excludedCPUGetsNothing() throws {
        let catalog = try makeCatalog(amd: Self.files)
        let exclusion = Exclusion(signature: CPUSignature(0xa00f11))
        let host = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(0xa00f11)]), exclusions: [exclusion]))
        #expect(host.amd.isEmpty)
        #expect(host.amdVerdicts[2] == .excluded(exclusion))

        let all = Selection(catalog: catalog, request: SelectionRequest(scope: .all, exclusions: [exclusion]))
        #expect(!all.amd.flatMap(\.equivalenceTable).contains { $0.installedCPU == CPUSignature(0xa00f11) })
        #expect(!all.amd.flatMap(\.patches).contains { $0.patchID == 0x0a0011d5 })
        #expect(all.amd.flatMap(\.patches).count == 4)
        #expect(all.amdVerdicts[2] == .excluded(exclusion))
    }

    @Test func cpuWithoutMicrocodeGetsANote() throws {
        let catalog = try makeCatalog(amd: Self.files)
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(0xb40f40)])))
        #expect(selection.isEmpty)
        #expect(selection.notes == ["no microcode found for 0x00b40f40 (1a-44-00)"])
        let allOtherOrOlder = selection.amdVerdicts.allSatisfy { $0 == .otherCPU || $0 == .superseded(by: 0x0a0011d5) }
        #expect(allOtherOrOlder)
    }

    @Test func oversizedPatchForXenGetsANote() throws {
        let big = Fabricate.amdPatch(patchID: 0x0a0011d7, equivalenceID: 0xa011, size: 5568 + 64)
        let file = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], patches: [big])
        let selection = Selection(catalog: try makeCatalog(amd: [file]), request: SelectionRequest(scope: .all))
        #expect(selection.amd.count == 1)
        #expect(selection.notes == ["AMD patch 0xa0011d7 is 5632 bytes; Xen 4.17 skips family 0x19 patches over 5568"])
    }

    @Test func tablesThatDisagreeUseTheMappingToTheNewestPatch() throws {
        let viaA011 = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], patches: [Self.milan])
        let newer = Fabricate.amdPatch(patchID: 0x0a0011f0, equivalenceID: 0xa0f1, size: 5568)
        let viaA0F1 = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa0f1)], patches: [newer])
        for files in [[viaA011, viaA0F1], [viaA0F1, viaA011]] {
            let selection = Selection(catalog: try makeCatalog(amd: files), request: SelectionRequest(scope: .cpus([amdTarget(0xa00f11)])))
            #expect(selection.amd.flatMap(\.equivalenceTable) == [EquivalenceEntry(installedCPU: CPUSignature(0xa00f11), equivalenceID: 0xa0f1)])
            #expect(selection.amd.flatMap { $0.patches.map(\.patchID) } == [0x0a0011f0])
        }
    }

    @Test func patchWithoutTableEntryIsNotWritten() throws {
        let orphan = Fabricate.amdPatch(patchID: 0x0a0011d5, equivalenceID: 0xa0ff)
        let file = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], patches: [orphan])
        let selection = Selection(catalog: try makeCatalog(amd: [file]), request: SelectionRequest(scope: .all))
        #expect(selection.amd.isEmpty)
        #expect(selection.amdVerdicts == [.otherCPU])
    }
}
