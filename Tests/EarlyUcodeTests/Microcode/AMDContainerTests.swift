import Testing

@testable import EarlyUcode

@Suite("AMD containers")
struct AMDContainerTests {
    static let milanPatch = Fabricate.amdPatch(patchID: 0x0a0011d5, equivalenceID: 0xa011, date: 0x0311_2025, size: 5568)
    static let genoaPatch = Fabricate.amdPatch(patchID: 0x0a101154, equivalenceID: 0xa111, size: 5568)
    static let zenPatch = Fabricate.amdPatch(patchID: 0x0800126e, equivalenceID: 0x8012, date: 0x1113_2021, size: 3200)

    static var fam19: [UInt8] {
        Fabricate.amdContainer(
            [.init(cpu: 0xa00f11, equivalenceID: 0xa011), .init(cpu: 0xa10f11, equivalenceID: 0xa111, errataMask: 5, errataCompare: 3)],
            patches: [milanPatch, genoaPatch])
    }

    static var fam17: [UInt8] {
        Fabricate.amdContainer([.init(cpu: 0x800f12, equivalenceID: 0x8012)], patches: [zenPatch])
    }

    @Test func parsesOneContainer() throws {
        let bytes = Self.fam19
        #expect(Array(bytes.prefix(4)) == [0x44, 0x4d, 0x41, 0x00])
        let containers = try AMDContainer.parseAll(bytes, path: "/fw/amd")
        try #require(containers.count == 1)
        let container = containers[0]
        #expect(container.hasTerminator)
        #expect(container.equivalenceTable == [
            EquivalenceEntry(installedCPU: CPUSignature(0xa00f11), equivalenceID: 0xa011),
            EquivalenceEntry(installedCPU: CPUSignature(0xa10f11), errataMask: 5, errataCompare: 3, equivalenceID: 0xa111),
        ])
        #expect(container.equivalenceID(for: CPUSignature(0xa10f11)) == 0xa111)
        #expect(container.equivalenceID(for: CPUSignature(0xa00f10)) == nil)
        #expect(container.patches.map(\.patchID) == [0x0a0011d5, 0x0a101154])
        #expect(container.patches.map(\.processorRevisionID) == [0xa011, 0xa111])
        #expect(container.patches.map(\.family) == [0x19, 0x19])
        #expect(container.patches[0].dataCode == 0x0311_2025)
        #expect(container.patches[0].date.description == "2025-03-11")
        #expect(Array(container.patches[0].bytes) == Self.milanPatch)
        #expect(Array(container.patches[1].bytes) == Self.genoaPatch)
        // Patch origins point at their section headers.
        let firstSection = 12 + 3 * 16
        #expect(container.patches.map(\.origin.offset) == [firstSection, firstSection + 8 + 5568])
        #expect(container.origin == MicrocodeOrigin(path: "/fw/amd", offset: 0))
    }

    @Test func familyFollowsProcessorRevisionID() throws {
        let containers = try AMDContainer.parseAll(Self.fam17, path: "f")
        #expect(containers.first?.patches.first?.family == 0x17)
        let old = Fabricate.amdContainer([.init(cpu: 0x100f22, equivalenceID: 0x1022)],
                                         patches: [Fabricate.amdPatch(patchID: 0x01000083, equivalenceID: 0x1022)])
        #expect(try AMDContainer.parseAll(old, path: "f").first?.patches.first?.family == 0x10)
    }

    @Test func twoContainersBackToBack() throws {
        let first = Self.fam17
        let bytes = first + Self.fam19
        let containers = try AMDContainer.parseAll(bytes, path: "f")
        #expect(containers.count == 2)
        #expect(containers.map(\.origin.offset) == [0, first.count])
        #expect(containers.map { $0.patches.count } == [1, 2])
        #expect(containers[1].patches[0].origin.offset == first.count + 12 + 48)
    }

    @Test func containerWithoutPatches() throws {
        let bytes = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], patches: [])
        let containers = try AMDContainer.parseAll(bytes + Self.fam17, path: "f")
        #expect(containers.count == 2)
        #expect(containers[0].patches.isEmpty)
    }

    @Test func missingTerminatorIsAccepted() throws {
        let bytes = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)], terminator: false, patches: [Self.milanPatch])
        let container = try #require(try AMDContainer.parseAll(bytes, path: "f").first)
        #expect(!container.hasTerminator)
        #expect(container.equivalenceTable.count == 1)
        #expect(container.patches.count == 1)
    }

    @Test func sliceOfALargerBufferCountsFromItsStart() throws {
        let file = Self.fam17 + Self.fam19
        let buffer = Fabricate.noise(count: 5, seed: 1) + file + Fabricate.noise(count: 9, seed: 2)
        let containers = try AMDContainer.parseAll(buffer[5..<(5 + file.count)], path: "f")
        #expect(containers.map(\.origin.offset) == [0, Self.fam17.count])
        #expect(containers[1].patches.map(\.origin.offset) == [Self.fam17.count + 60, Self.fam17.count + 60 + 8 + 5568])
        #expect(Array(containers[1].patches[1].bytes) == Self.genoaPatch)

        let error = try #require(throws: ParseError.self) { try AMDContainer.parseAll(buffer[5...], path: "f") }
        #expect(error.offset == file.count)
    }

    // MARK: Errors

    struct Corruption: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var offset: Int
        /// The case expected (its values are not compared).
        var problem: Problem
        /// The case when a valid container comes first, if it differs.
        var problemAfterContainer: Problem? = nil
        var testDescription: String { name }
    }

    static var corruptions: [Corruption] {
        let valid = fam19   // table of 3 entries: patches start at 60
        let patchSection = 12 + 48
        var cases: [Corruption] = []
        var bytes = valid
        bytes[0] = 0x45
        cases.append(Corruption(name: "bad magic", bytes: bytes, offset: 0, problem: .microcode(.containerMagic(0)),
                                problemAfterContainer: .microcode(.unexpectedSection(type: 0))))
        cases.append(Corruption(name: "truncated header", bytes: Array(valid.prefix(8)), offset: 0, problem: .microcode(.truncatedContainerHeader(left: 8))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: 4, 1)
        cases.append(Corruption(name: "table type 1", bytes: bytes, offset: 4, problem: .microcode(.firstSectionType(1))))

        for length: UInt32 in [0, 40, 47] {
            bytes = valid
            Fabricate.setLE32(&bytes, at: 8, length)
            cases.append(Corruption(name: "table length \(length)", bytes: bytes, offset: 8, problem: .microcode(.equivalenceTableLength(0))))
        }
        bytes = Array(valid.prefix(12 + 32))
        cases.append(Corruption(name: "table past end", bytes: bytes, offset: 8, problem: .microcode(.equivalenceTablePastEnd(length: 0, left: 0))))
        bytes = valid
        Fabricate.setLE32(&bytes, at: 8, 0x7fff_fff0)
        cases.append(Corruption(name: "table length huge", bytes: bytes, offset: 8, problem: .microcode(.equivalenceTablePastEnd(length: 0, left: 0))))

        let middleZero = Fabricate.amdContainer(
            [.init(cpu: 0xa00f11, equivalenceID: 0xa011), .init(cpu: 0, equivalenceID: 0), .init(cpu: 0xa10f11, equivalenceID: 0xa111)],
            patches: [milanPatch])
        cases.append(Corruption(name: "zero CPU in the middle", bytes: middleZero, offset: 12 + 16, problem: .microcode(.zeroEntryNotLast)))
        let zeroWithID = Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011), .init(cpu: 0, equivalenceID: 0xa011)],
                                                terminator: false, patches: [milanPatch])
        cases.append(Corruption(name: "last entry CPU 0 but not all zero", bytes: zeroWithID, offset: 12 + 16, problem: .microcode(.zeroEntryNotLast)))

        bytes = valid
        Fabricate.setLE32(&bytes, at: patchSection + 4, 63)
        cases.append(Corruption(name: "patch size 63", bytes: bytes, offset: patchSection + 4, problem: .microcode(.patchSectionTooSmall(0))))
        bytes = valid
        Fabricate.setLE32(&bytes, at: patchSection + 4, 0)
        cases.append(Corruption(name: "patch size 0", bytes: bytes, offset: patchSection + 4, problem: .microcode(.patchSectionTooSmall(0))))
        bytes = valid
        Fabricate.setLE32(&bytes, at: patchSection + 4, 0xffff_ffff)
        cases.append(Corruption(name: "patch size huge", bytes: bytes, offset: patchSection + 4, problem: .microcode(.patchSectionImplausible(0))))
        bytes = Array(valid.dropLast(1))
        let lastSection = patchSection + 8 + 5568
        cases.append(Corruption(name: "last patch cut short", bytes: bytes, offset: lastSection + 4, problem: .microcode(.patchSectionPastEnd(size: 0, left: 0))))

        cases.append(Corruption(name: "stray bytes after patches", bytes: valid + [1, 2, 3], offset: valid.count, problem: .microcode(.strayBytes(3))))
        var section2: [UInt8] = []
        Fabricate.appendLE32(&section2, 2)
        Fabricate.appendLE32(&section2, 64)
        cases.append(Corruption(name: "section of type 2", bytes: valid + section2 + [UInt8](repeating: 0, count: 64),
                                offset: valid.count, problem: .microcode(.unexpectedSection(type: 2))))
        cases.append(Corruption(name: "zero padding after container", bytes: valid + [UInt8](repeating: 0, count: 16),
                                offset: valid.count, problem: .microcode(.unexpectedSection(type: 0))))
        cases.append(Corruption(name: "half a section header", bytes: valid + [1, 0, 0, 0], offset: valid.count, problem: .microcode(.unexpectedSection(type: 1))))
        cases.append(Corruption(name: "bad second container", bytes: valid + [0x44, 0x4d, 0x41, 0x00, 1, 0, 0, 0, 16, 0, 0, 0],
                                offset: valid.count + 4, problem: .microcode(.firstSectionType(1))))
        return cases
    }

    @Test(arguments: corruptions, [false, true])
    func corruptionIsReported(_ corruption: Corruption, afterValidContainer: Bool) throws {
        let before = afterValidContainer ? Self.fam17 : []
        let error = try #require(throws: ParseError.self) { try AMDContainer.parseAll(before + corruption.bytes, path: "f") }
        #expect(error.offset == before.count + corruption.offset, "\(error.reason)")
        let expected = afterValidContainer ? corruption.problemAfterContainer ?? corruption.problem : corruption.problem
        #expect(sameCase(error.problem, expected), "\(error.problem)")
    }

    // MARK: serialized()

    @Test(arguments: [true, false])
    func serializedRoundTrip(_ terminator: Bool) throws {
        let bytes = Fabricate.amdContainer(
            [.init(cpu: 0xa00f11, equivalenceID: 0xa011), .init(cpu: 0xa10f11, equivalenceID: 0xa111, errataMask: 0x11, errataCompare: 0x22)],
            terminator: terminator, patches: [Self.milanPatch, Self.genoaPatch])
        let original = try #require(try AMDContainer.parseAll(bytes, path: "f").first)
        let serialized = original.serialized()
        // The terminator is always written.
        #expect(serialized == (terminator ? bytes : Fabricate.amdContainer(
            [.init(cpu: 0xa00f11, equivalenceID: 0xa011), .init(cpu: 0xa10f11, equivalenceID: 0xa111, errataMask: 0x11, errataCompare: 0x22)],
            terminator: true, patches: [Self.milanPatch, Self.genoaPatch])))
        let again = try #require(try AMDContainer.parseAll(serialized, path: "g").first)
        #expect(again.hasTerminator)
        #expect(again.equivalenceTable == original.equivalenceTable)
        #expect(again.patches.map(\.patchID) == original.patches.map(\.patchID))
        #expect(again.patches.map { Array($0.bytes) } == original.patches.map { Array($0.bytes) })
        #expect(Fabricate.le32(serialized, at: 8) == 3 * 16)
        #expect(Array(serialized[(12 + 32)..<(12 + 48)]) == [UInt8](repeating: 0, count: 16))
    }

    @Test func serializedSubsetKeepsPatchBytes() throws {
        let original = try #require(try AMDContainer.parseAll(Self.fam19, path: "f").first)
        var subset = original
        subset.equivalenceTable = [original.equivalenceTable[1]]
        subset.patches = [original.patches[1]]
        let bytes = subset.serialized()
        #expect(bytes == Fabricate.amdContainer([.init(cpu: 0xa10f11, equivalenceID: 0xa111, errataMask: 5, errataCompare: 3)],
                                                patches: [Self.genoaPatch]))
    }
}
