import Foundation
import Testing

@testable import EarlyUcode

@Suite("PE/COFF reader")
struct PEImageTests {
    static func parse(_ bytes: [UInt8]) throws(ParseError) -> PEImage { try PEImage.parse(bytes, fileSize: bytes.count) }

    static func efiError(_ bytes: [UInt8]) -> (offset: Int, error: EFIError)? {
        do {
            _ = try parse(bytes)
            return nil
        } catch {
            guard case .efi(let efi) = error.problem else { return nil }
            return (error.offset, efi)
        }
    }

    @Test func readsTheSectionTable() throws {
        let image = PEFixture.image([
            PEFixture.Section(".text", ImageFixture.filler(700, seed: 1)),
            // VirtualSize past the file bytes: zeros in memory.
            PEFixture.Section(".data", ImageFixture.filler(100, seed: 2), virtualSize: 4000),
            // VirtualSize below SizeOfRawData (the usual case): only that much is read.
            PEFixture.Section(".ucode", ImageFixture.filler(300, seed: 3)),
        ])
        let pe = try Self.parse(image)
        #expect(pe.machine == 0x8664 && pe.isPE32Plus)
        #expect(pe.sections.map(\.name) == [".text", ".data", ".ucode"])
        #expect(pe.headersEnd == PEFixture.tableOffset + 3 * 40)
        let text = try #require(pe.section(named: ".text"))
        #expect(text.fileRange == 0x200..<(0x200 + 700) && text.rawSize == 0x400 && text.zeroFill == 0)
        let data = try #require(pe.section(named: ".data"))
        // SizeOfRawData (512, FileAlignment) is read; zeros to VirtualSize after it.
        #expect(data.fileRange.count == 512 && data.zeroFill == 3488 && data.memorySize == 4000)
        let ucode = try #require(pe.section(named: ".ucode"))
        #expect(Array(image[ucode.fileRange]) == ImageFixture.filler(300, seed: 3))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/boot/xen-4.17-amd64.efi"), "no Debian 12 xen.efi in /boot"))
    func readsDebiansXenEFI() throws {
        let pe = try PEImage.read(try ImageFile(path: "/boot/xen-4.17-amd64.efi"))
        #expect(pe.sections.map(\.name).starts(with: [".text", ".rodata", ".buildid", ".init"]))
        #expect(pe.section(named: ".ucode") == nil)
    }

    @Test func refusesMalformedHeaders() throws {
        let good = PEFixture.image([PEFixture.Section(".text", [1, 2, 3])])
        #expect(Self.efiError(Array(good.prefix(0x30)))?.error == .peTooShort(size: 0x30))
        var noMZ = good
        noMZ[0] = 0
        #expect(Self.efiError(noMZ)?.error == .peNoMZ)
        var far = good
        far.replaceSubrange(0x3c..<0x40, with: ImageFixture.le32(0x7fff_ffff))
        #expect(Self.efiError(far)?.offset == 0x3c)
        var inside = good
        inside.replaceSubrange(0x3c..<0x40, with: ImageFixture.le32(0x10))
        #expect(Self.efiError(inside)?.error == .pePEHeaderOffset(0x10, fileSize: good.count))
        var signature = good
        signature[PEFixture.peOffset + 1] = 0x58
        #expect(Self.efiError(signature)?.error == .peNoSignature)
        #expect(Self.efiError(PEFixture.image([PEFixture.Section(".text", [1])], magic: 0x10c))?.error == .peBadOptionalMagic(0x10c))
        #expect(Self.efiError(PEFixture.image([PEFixture.Section(".text", [1])], optionalSize: 100))?.error
            == .peOptionalHeaderTooSmall(size: 100, need: 112))
        #expect(Self.efiError(PEFixture.image([], numberOfSections: 0))?.error == .peNoSections)
        #expect(Self.efiError(PEFixture.image([PEFixture.Section(".text", [1])], numberOfSections: 97))?.error == .peTooManySections(97, limit: 96))
    }

    @Test func refusesASectionTablePastTheEnd() throws {
        // 90 sections announced, one there: the table runs past the end of the file.
        let image = PEFixture.image([PEFixture.Section(".text", [1, 2, 3])], numberOfSections: 90)
        let found = try #require(Self.efiError(image))
        #expect(found.error == .peSectionTableOutside(end: PEFixture.tableOffset + 90 * 40, fileSize: image.count))
        #expect(found.offset == PEFixture.peOffset + 4 + 16)
    }

    @Test func refusesSectionDataOutsideOrTwice() throws {
        let past = PEFixture.image([PEFixture.Section(".text", [1, 2, 3], rawOffset: 0x200, rawSize: 0x10_0000)])
        let found = try #require(Self.efiError(past))
        #expect(found.error == .peSectionDataPastEnd(name: ".text", start: 0x200, size: 0x10_0000, fileSize: past.count))
        #expect(found.offset == PEFixture.tableOffset + 16)

        let overlapping = PEFixture.image([PEFixture.Section(".text", ImageFixture.filler(0x400, seed: 4)),
                                           PEFixture.Section(".initrd", [], rawOffset: 0x300, rawSize: 0x200)])
        #expect(Self.efiError(overlapping)?.error == .peSectionsOverlap(".text", ".initrd", at: 0x300))

        // Data pointing into the section table itself.
        let header = PEFixture.image([PEFixture.Section(".linux", [], rawOffset: UInt32(PEFixture.tableOffset), rawSize: 0x40)])
        #expect(Self.efiError(header)?.error == .peSectionOverlapsHeaders(name: ".linux", start: PEFixture.tableOffset, headersEnd: PEFixture.tableOffset + 40))

        let memory = PEFixture.image([PEFixture.Section(".a", [1], virtualSize: 0x2000, virtualAddress: 0x1000),
                                      PEFixture.Section(".b", [2], virtualAddress: 0x2000)])
        #expect(Self.efiError(memory)?.error == .peSectionsOverlapInMemory(".a", ".b", address: 0x2000))

        var name = PEFixture.image([PEFixture.Section(".text", [1])])
        name[PEFixture.tableOffset + 1] = 0x0a
        #expect(Self.efiError(name)?.error == .peSectionNameNotText(index: 0))
    }

    @Test func theViewOfAFileReadsPiecesAndZeros() throws {
        let tmp = try TemporaryDirectory("pe-view")
        let bytes = ImageFixture.filler(1000, seed: 9)
        try ImageFixture.write(bytes, to: tmp.file("f"))
        let view = try ImageFile(path: tmp.file("f"), segments: [.file(100..<110), .zeros(3), .file(500..<1000), .zeros(1)])
        #expect(view.size == 514)
        #expect(try view.read(at: 0, count: 514) == Array(bytes[100..<110]) + [0, 0, 0] + Array(bytes[500..<1000]) + [0])
        #expect(try view.read(at: 8, count: 6) == Array(bytes[108..<110]) + [0, 0, 0, bytes[500]])
        #expect(view.location(of: 11)?.fileOffset == nil)
        #expect(view.location(of: 13)?.fileOffset == 500)
        #expect(view.location(of: 514) == nil)
        #expect(throws: InputError.self) { try ImageFile(path: tmp.file("f"), segments: [.file(900..<1001)]) }
    }
}
