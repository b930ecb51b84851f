import Testing

@testable import EarlyUcode

@Suite("Intel update parsing")
struct IntelUpdateTests {
    typealias F = Fabricate.IntelField

    // MARK: Valid input

    @Test func singleUpdateFieldsAndView() throws {
        let bytes = Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7, dataSize: 3072 - 48)
        #expect(bytes.count == 3072)
        let updates = try IntelUpdate.parseAll(bytes, path: "/fw/06-55-04")
        try #require(updates.count == 1)
        let update = updates[0]
        #expect(update.revision == 0x2007006)
        #expect(update.date == MicrocodeDate(0x0306_2023))
        #expect(update.signature == CPUSignature(0x50654))
        #expect(update.platforms == PlatformFlags(0xb7))
        #expect(update.checksum == bytes.le32(at: F.checksum))
        #expect(update.dataSize == 3072 - 48)
        #expect(update.totalSize == 3072)
        #expect(update.extendedSignatures.isEmpty)
        #expect(Array(update.bytes) == bytes)
        #expect(update.origin == MicrocodeOrigin(path: "/fw/06-55-04", offset: 0))
    }

    @Test func updatesBackToBack() throws {
        let first = Fabricate.intelUpdate(revision: 1, signature: 0x906ea, platforms: 0x22)
        let second = Fabricate.intelUpdate(revision: 2, signature: 0x906eb, platforms: 0x02, dataSize: 2048 - 48)
        let third = Fabricate.intelUpdate(
            revision: 3, signature: 0x806f8, platforms: 0x87,
            extended: [.init(signature: 0x806f7, platforms: 0x87), .init(signature: 0x806f6, platforms: 0x10)])
        let file = first + second + third
        let updates = try IntelUpdate.parseAll(file, path: "f")
        #expect(updates.map(\.revision) == [1, 2, 3])
        #expect(updates.map(\.origin.offset) == [0, first.count, first.count + second.count])
        #expect(updates.map(\.totalSize) == [1024, 2048, 1024])
        #expect(Array(updates[1].bytes) == second)
        #expect(Array(updates[2].bytes) == third)
        #expect(updates[2].extendedSignatures.map(\.signature) == [CPUSignature(0x806f7), CPUSignature(0x806f6)])
        #expect(updates[2].extendedSignatures.map(\.platforms) == [PlatformFlags(0x87), PlatformFlags(0x10)])
    }

    @Test func emptyInputHasNoUpdates() throws {
        #expect(try IntelUpdate.parseAll([], path: "f").isEmpty)
    }

    @Test func legacyDataSizeZeroMeans2000Of2048() throws {
        let bytes = Fabricate.intelUpdate(revision: 0x17, signature: 0xf41, platforms: 0xbd, legacy: true)
        #expect(bytes.count == 2048)
        #expect(bytes.le32(at: F.dataSize) == 0)
        #expect(bytes.le32(at: F.totalSize) == 0)
        let updates = try IntelUpdate.parseAll(bytes + bytes, path: "f")
        #expect(updates.count == 2)
        #expect(updates.map(\.dataSize) == [2000, 2000])
        #expect(updates.map(\.totalSize) == [2048, 2048])
        #expect(updates[1].origin.offset == 2048)
    }

    @Test func legacyUpdateWithWrongChecksumIsRejected() throws {
        var bytes = Fabricate.intelUpdate(legacy: true)
        bytes[1999] ^= 0x40
        let error = try #require(throws: ParseError.self) { try IntelUpdate.parseAll(bytes, path: "f") }
        #expect(error.offset == F.checksum)
    }

    // MARK: Corruption, one case at a time

    struct Corruption: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        /// Offset of the error relative to the start of `bytes`.
        var offset: Int
        /// The case expected (its values are not compared).
        var problem: Problem
        var testDescription: String { name }
    }

    static let extendedEntries: [Fabricate.IntelExtended] = [
        .init(signature: 0x806f7, platforms: 0x87), .init(signature: 0x806f6, platforms: 0x87),
    ]
    /// 48 + data: where the extended table of `withTable` starts.
    static let tableStart = 48 + Fabricate.intelDataSize(extendedCount: 2)
    static var withTable: [UInt8] {
        Fabricate.intelUpdate(revision: 0x2b000650, signature: 0x806f8, platforms: 0x87, extended: extendedEntries)
    }

    static var corruptions: [Corruption] {
        let valid = Fabricate.intelUpdate()
        var cases: [Corruption] = []

        cases.append(Corruption(name: "truncated header", bytes: Array(valid.prefix(47)), offset: 0, problem: .microcode(.truncatedUpdateHeader(left: 0))))
        cases.append(Corruption(name: "empty tail of 1 byte", bytes: [1], offset: 0, problem: .microcode(.truncatedUpdateHeader(left: 0))))

        var bytes = valid
        Fabricate.setLE32(&bytes, at: F.headerVersion, 2)
        cases.append(Corruption(name: "header version 2", bytes: bytes, offset: 0, problem: .microcode(.headerVersion(0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.loaderVersion, 0)
        cases.append(Corruption(name: "loader version 0", bytes: bytes, offset: F.loaderVersion, problem: .microcode(.loaderVersion(0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.dataSize, 974)
        cases.append(Corruption(name: "data size not multiple of 4", bytes: bytes, offset: F.dataSize, problem: .microcode(.dataSizeNotMultipleOf4(0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.totalSize, 512)
        cases.append(Corruption(name: "total less than header plus data", bytes: bytes, offset: F.totalSize, problem: .microcode(.totalSizeBelowHeaderAndData(total: 0, needed: 0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.totalSize, 0)
        cases.append(Corruption(name: "total zero with nonzero data size", bytes: bytes, offset: F.totalSize, problem: .microcode(.totalSizeBelowHeaderAndData(total: 0, needed: 0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.totalSize, 1536)
        cases.append(Corruption(name: "total not multiple of 1024", bytes: bytes, offset: F.totalSize, problem: .microcode(.totalSizeNotMultipleOf1024(0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.totalSize, 2048)
        cases.append(Corruption(name: "total past end", bytes: bytes, offset: F.totalSize, problem: .microcode(.totalSizePastEnd(total: 0, left: 0))))

        cases.append(Corruption(name: "update cut short", bytes: Array(valid.prefix(1020)), offset: F.totalSize, problem: .microcode(.totalSizePastEnd(total: 0, left: 0))))

        bytes = valid
        bytes[100] &+= 1
        cases.append(Corruption(name: "bad checksum (data byte)", bytes: bytes, offset: F.checksum, problem: .microcode(.checksum(sum: 0))))

        bytes = valid
        Fabricate.setLE32(&bytes, at: F.revision, bytes.le32(at: F.revision) + 1)
        cases.append(Corruption(name: "bad checksum (revision changed)", bytes: bytes, offset: F.checksum, problem: .microcode(.checksum(sum: 0))))

        // Data shrunk by 12 bytes: 12 bytes remain for an extended table.
        bytes = valid
        Fabricate.setLE32(&bytes, at: F.dataSize, 1024 - 48 - 12)
        Fabricate.fixIntelChecksum(&bytes, start: 0, dataSize: 1024 - 48 - 12)
        cases.append(Corruption(name: "extended table too short", bytes: bytes, offset: 1024 - 12, problem: .microcode(.extendedTableShorterThanHeader(size: 0))))

        for count: UInt32 in [0, 1, 3, 0xffff_ffff] {
            bytes = withTable
            Fabricate.setLE32(&bytes, at: tableStart, count)
            cases.append(Corruption(name: "extended count \(count) for 2 entries", bytes: bytes, offset: tableStart, problem: .microcode(.extendedTableCount(count: 0, expected: 0, size: 0))))
        }

        bytes = withTable
        Fabricate.setLE32(&bytes, at: tableStart + 4, bytes.le32(at: tableStart + 4) &+ 1)
        cases.append(Corruption(name: "extended table checksum", bytes: bytes, offset: tableStart + 4, problem: .microcode(.extendedTableChecksum(sum: 0))))

        bytes = withTable
        bytes[tableStart + 12] ^= 1  // reserved bytes are summed too
        cases.append(Corruption(name: "extended table reserved byte", bytes: bytes, offset: tableStart + 4, problem: .microcode(.extendedTableChecksum(sum: 0))))

        for entry in 0..<2 {
            bytes = withTable
            let at = tableStart + 20 + 12 * entry + 8
            Fabricate.setLE32(&bytes, at: at, bytes.le32(at: at) &+ 1)
            Fabricate.fixExtendedTableChecksum(&bytes, tableStart: tableStart, tableSize: 20 + 24)
            cases.append(Corruption(name: "extended entry \(entry) checksum", bytes: bytes, offset: tableStart + 20 + 12 * entry,
                                    problem: .microcode(.extendedSignatureChecksum(index: entry, signature: CPUSignature(0)))))
        }

        cases.append(Corruption(name: "trailing garbage (short)", bytes: valid + [0xde, 0xad, 0xbe, 0xef],
                                offset: valid.count, problem: .microcode(.truncatedUpdateHeader(left: 0))))
        cases.append(Corruption(name: "trailing garbage (long)", bytes: valid + [UInt8](repeating: 0xff, count: 64),
                                offset: valid.count, problem: .microcode(.headerVersion(0))))
        cases.append(Corruption(name: "trailing zero padding", bytes: valid + [UInt8](repeating: 0, count: 1024),
                                offset: valid.count, problem: .microcode(.headerVersion(0))))
        return cases
    }

    @Test("Each corruption is a ParseError at its offset", arguments: corruptions, [0, 1])
    func corruptionIsReported(_ corruption: Corruption, validUpdatesBefore: Int) throws {
        let prefix = Fabricate.intelUpdate(revision: 9, signature: 0x906ea, dataSize: 2048 - 48)
        let before = Array(repeating: prefix, count: validUpdatesBefore).flatMap { $0 }
        let error = try #require(throws: ParseError.self) {
            try IntelUpdate.parseAll(before + corruption.bytes, path: "f")
        }
        #expect(error.offset == before.count + corruption.offset, "\(error.reason)")
        #expect(sameCase(error.problem, corruption.problem), "\(error.problem)")
    }

    @Test func extendedTableParsesWhenValid() throws {
        let updates = try IntelUpdate.parseAll(Self.withTable, path: "f")
        try #require(updates.count == 1)
        let update = updates[0]
        #expect(update.totalSize == 1024)
        #expect(update.dataSize == Self.tableStart - 48)
        #expect(update.extendedSignatures.count == 2)
        for entry in update.extendedSignatures {
            #expect(entry.signature.rawValue &+ entry.platforms.rawValue &+ entry.checksum
                == update.signature.rawValue &+ update.platforms.rawValue &+ update.checksum)
        }
    }

    @Test func sliceOfALargerBufferCountsFromItsStart() throws {
        let file = Fabricate.intelUpdate(revision: 1) + Fabricate.intelUpdate(revision: 2, dataSize: 2048 - 48)
        let buffer = Fabricate.noise(count: 13, seed: 1) + file + Fabricate.noise(count: 7, seed: 2)
        let updates = try IntelUpdate.parseAll(buffer[13..<(13 + file.count)], path: "f")
        #expect(updates.map(\.revision) == [1, 2])
        #expect(updates.map(\.origin.offset) == [0, 1024])
        #expect(Array(updates[1].bytes) == Array(file[1024...]))

        var broken = file
        broken[1024 + 500] ^= 1
        let bad = Fabricate.noise(count: 13, seed: 1) + broken
        let error = try #require(throws: ParseError.self) { try IntelUpdate.parseAll(bad[13...], path: "f") }
        #expect(error.offset == 1024 + 0x10)
    }

    // MARK: Signatures and matching

    @Test func signaturesListHeaderFirstWithoutRepeats() throws {
        // Intel's own files repeat the header signature in the extended table.
        let bytes = Fabricate.intelUpdate(
            signature: 0x806f8, platforms: 0x87,
            extended: [.init(signature: 0x806f8, platforms: 0x87), .init(signature: 0x806f7, platforms: 0x87),
                       .init(signature: 0x806f8, platforms: 0x10)])
        let update = try #require(try IntelUpdate.parseAll(bytes, path: "f").first)
        let listed = update.signatures.map { SignatureTriple(signature: $0.signature.rawValue, platforms: $0.platforms.rawValue, revision: 0) }
        #expect(listed == [
            SignatureTriple(signature: 0x806f8, platforms: 0x87, revision: 0),
            SignatureTriple(signature: 0x806f7, platforms: 0x87, revision: 0),
            SignatureTriple(signature: 0x806f8, platforms: 0x10, revision: 0),
        ])
    }

    struct MatchCase: Sendable, CustomTestStringConvertible {
        var cpu: UInt32
        var pf: UInt32
        var expected: Bool
        var testDescription: String { "\(Hex.word(cpu)) pf \(Hex.byte(pf)) -> \(expected)" }
    }

    @Test(arguments: [
        MatchCase(cpu: 0x50654, pf: 0x01, expected: true),
        MatchCase(cpu: 0x50654, pf: 0x80, expected: true),
        MatchCase(cpu: 0x50654, pf: 0x08, expected: false),
        MatchCase(cpu: 0x50654, pf: 0x00, expected: false),
        MatchCase(cpu: 0x50653, pf: 0x08, expected: true),   // extended entry
        MatchCase(cpu: 0x50653, pf: 0x01, expected: false),
        MatchCase(cpu: 0x50655, pf: 0x01, expected: false),
        MatchCase(cpu: 0x50657, pf: 0x00, expected: true),   // both zero
        MatchCase(cpu: 0x50657, pf: 0x01, expected: false),
    ])
    func matchesSignatureAndPlatform(_ c: MatchCase) throws {
        let bytes = Fabricate.intelUpdate(
            signature: 0x50654, platforms: 0x81,
            extended: [.init(signature: 0x50653, platforms: 0x0c), .init(signature: 0x50657, platforms: 0x00)])
        let update = try #require(try IntelUpdate.parseAll(bytes, path: "f").first)
        #expect(update.matches(CPUSignature(c.cpu), PlatformFlags(c.pf)) == c.expected)
    }

    @Test func negativeRevisionsAreSigned() throws {
        let bytes = Fabricate.intelUpdate(revision: 0xffff_fffe) + Fabricate.intelUpdate(revision: 0x8000_0000, seed: 2)
            + Fabricate.intelUpdate(revision: 0x7fff_ffff, seed: 3)
        let updates = try IntelUpdate.parseAll(bytes, path: "f")
        #expect(updates.map(\.signedRevision) == [-2, Int32.min, Int32.max])
        #expect(updates.map(\.revision) == [0xffff_fffe, 0x8000_0000, 0x7fff_ffff])
    }

    // MARK: Dates

    struct DateCase: Sendable, CustomTestStringConvertible {
        var raw: UInt32
        var text: String
        var seconds: Int?
        var testDescription: String { Hex.word(raw) }
    }

    @Test(arguments: [
        DateCase(raw: 0x0306_2023, text: "2023-03-06", seconds: 1_678_060_800),
        DateCase(raw: 0x0229_2024, text: "2024-02-29", seconds: 1_709_164_800),
        DateCase(raw: 0x0101_2000, text: "2000-01-01", seconds: 946_684_800),
        DateCase(raw: 0x0101_1970, text: "1970-01-01", seconds: 0),
        DateCase(raw: 0x0311_2025, text: "2025-03-11", seconds: 1_741_651_200),
        DateCase(raw: 0x1309_2011, text: "2011-13-09", seconds: nil),   // month 13, shipped by AMD
        DateCase(raw: 0x0001_2020, text: "2020-00-01", seconds: nil),   // month 0
        DateCase(raw: 0x0100_2020, text: "2020-01-00", seconds: nil),   // day 0
        DateCase(raw: 0x0132_2020, text: "2020-01-32", seconds: nil),
        DateCase(raw: 0x0a01_2020, text: "2020-0a-01", seconds: nil),   // not BCD
        DateCase(raw: 0x0101_1969, text: "1969-01-01", seconds: nil),
        DateCase(raw: 0x0101_20a0, text: "20a0-01-01", seconds: nil),
        DateCase(raw: 0, text: "0000-00-00", seconds: nil),
    ])
    func dateDescriptionAndSeconds(_ c: DateCase) {
        let date = MicrocodeDate(c.raw)
        #expect(date.description == c.text)
        #expect(date.secondsSinceEpoch == c.seconds)
    }

    @Test(arguments: [0x0230_2020, 0x0229_2023, 0x0431_2024, 0x0931_2024] as [UInt32])
    func impossibleCalendarDatesHaveNoSeconds(_ raw: UInt32) {
        #expect(MicrocodeDate(raw).secondsSinceEpoch == nil)
    }

    @Test func datesCompareByYearThenMonthThenDay() {
        #expect(MicrocodeDate(0x1231_2022) < MicrocodeDate(0x0101_2023))
        #expect(!(MicrocodeDate(0x0201_2023) < MicrocodeDate(0x0102_2023)))
        #expect(MicrocodeDate(0x0102_2023) < MicrocodeDate(0x0201_2023))
        #expect(MicrocodeDate(0x0306_2023) < MicrocodeDate(0x0307_2023))
        #expect(!(MicrocodeDate(0x0306_2023) < MicrocodeDate(0x0306_2023)))
    }
}
