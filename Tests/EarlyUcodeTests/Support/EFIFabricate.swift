import Foundation
import Testing

@testable import EarlyUcode

/// PE/COFF images made here: what xen.efi and unified kernel images are
/// to early-ucode (an MZ header, PE32+ headers, a section table, the
/// sections' data at FileAlignment).
enum PEFixture {
    struct Section {
        var name: String
        var data: [UInt8]
        /// nil: the data's length.
        var virtualSize: Int?
        /// nil: the next free address.
        var virtualAddress: UInt32?
        /// nil: where the data lands.
        var rawOffset: UInt32?
        /// nil: the data's length rounded up to FileAlignment.
        var rawSize: UInt32?

        init(_ name: String, _ data: [UInt8], virtualSize: Int? = nil, virtualAddress: UInt32? = nil,
             rawOffset: UInt32? = nil, rawSize: UInt32? = nil) {
            self.name = name
            self.data = data
            self.virtualSize = virtualSize
            self.virtualAddress = virtualAddress
            self.rawOffset = rawOffset
            self.rawSize = rawSize
        }
    }

    static let peOffset = 0x80
    static let fileAlignment = 0x200
    static let sectionAlignment = 0x1000
    static let directories = 16

    /// Where the section table starts (after the PE32+ optional header).
    static var tableOffset: Int { peOffset + 4 + 20 + 112 + directories * 8 }

    static func image(_ sections: [Section], numberOfSections: Int? = nil, optionalSize: Int? = nil, magic: UInt16 = 0x20b,
                      machine: UInt16 = 0x8664) -> [UInt8] {
        func align(_ value: Int, _ to: Int) -> Int { (value + to - 1) / to * to }
        let headersEnd = tableOffset + sections.count * 40
        var out = [UInt8](repeating: 0, count: align(headersEnd, fileAlignment))
        out[0] = 0x4d
        out[1] = 0x5a
        out.replaceSubrange(0x3c..<0x40, with: ImageFixture.le32(UInt32(peOffset)))
        out.replaceSubrange(peOffset..<(peOffset + 4), with: [0x50, 0x45, 0, 0])
        let coff = peOffset + 4
        out.replaceSubrange(coff..<(coff + 2), with: ImageFixture.le16(machine))
        out.replaceSubrange((coff + 2)..<(coff + 4), with: ImageFixture.le16(UInt16(numberOfSections ?? sections.count)))
        out.replaceSubrange((coff + 16)..<(coff + 18), with: ImageFixture.le16(UInt16(optionalSize ?? (112 + directories * 8))))
        let optional = coff + 20
        out.replaceSubrange(optional..<(optional + 2), with: ImageFixture.le16(magic))
        out.replaceSubrange((optional + 32)..<(optional + 36), with: ImageFixture.le32(UInt32(sectionAlignment)))
        out.replaceSubrange((optional + 36)..<(optional + 40), with: ImageFixture.le32(UInt32(fileAlignment)))
        out.replaceSubrange((optional + 60)..<(optional + 64), with: ImageFixture.le32(UInt32(out.count)))
        out.replaceSubrange((optional + 108)..<(optional + 112), with: ImageFixture.le32(UInt32(directories)))
        var address = UInt32(sectionAlignment)
        for (index, section) in sections.enumerated() {
            let at = tableOffset + index * 40
            var name = Array(section.name.utf8.prefix(8))
            name += [UInt8](repeating: 0, count: 8 - name.count)
            let rawOffset = section.rawOffset ?? UInt32(out.count)
            let rawSize = section.rawSize ?? UInt32(align(section.data.count, fileAlignment))
            let virtualAddress = section.virtualAddress ?? address
            let virtualSize = UInt32(section.virtualSize ?? section.data.count)
            out.replaceSubrange(at..<(at + 8), with: name)
            out.replaceSubrange((at + 8)..<(at + 12), with: ImageFixture.le32(virtualSize))
            out.replaceSubrange((at + 12)..<(at + 16), with: ImageFixture.le32(virtualAddress))
            out.replaceSubrange((at + 16)..<(at + 20), with: ImageFixture.le32(rawSize))
            out.replaceSubrange((at + 20)..<(at + 24), with: ImageFixture.le32(rawOffset))
            out.replaceSubrange((at + 36)..<(at + 40), with: ImageFixture.le32(0x4000_0040))
            if section.rawOffset == nil {
                out += section.data + [UInt8](repeating: 0, count: Int(rawSize) - section.data.count)
            }
            address = UInt32(align(Int(virtualAddress) + max(Int(virtualSize), 1), sectionAlignment))
        }
        return out
    }
}

/// xen.efi images and ESP folders for the `efi` commands and `check`.
enum EFIFixture {
    static let xen417 = "4.17.7+13-g2445b30a44-0+deb12u1"
    static let xen420 = "4.20.4+63-g7abfd2bce2-0+deb13u1"

    /// The patch `firmware` holds for 0xa00f11 (GoldenWorld's 0xa0011d5).
    static var patch: [UInt8] { ImageFixture.amdPatch(id: 0xa0011d5, equivalenceID: 0xa011, date: 0x0311_2025, size: 512) }

    /// An older one (GoldenWorld's stale 0xa0011d1).
    static var oldPatch: [UInt8] { ImageFixture.amdPatch(id: 0xa0011d1, equivalenceID: 0xa011, date: 0x0816_2023, size: 512) }

    /// A digest list that has both, as Debian's Xens list 0x0a0011d5.
    static var table: [PatchDigest] {
        get throws {
            LoaderBinaryFixture.table(extra: [PatchDigest(patchID: 0x0a00_11d1, sha256: SHA256(of: oldPatch).bytes),
                                              PatchDigest(patchID: 0x0a00_11d5, sha256: SHA256(of: patch).bytes)])
        }
    }

    /// A xen.efi of `version` (Debian's package version string), its
    /// banner, version and digest list in `.text`, as XenImage reads them.
    static func xenEFI(version: String, ucodeSection: [UInt8]? = nil) throws -> [UInt8] {
        var sections = [PEFixture.Section(".text", LoaderBinaryFixture.xenELF(vendorVersion: [version], table: try table))]
        if let ucodeSection { sections.append(PEFixture.Section(".ucode", ucodeSection)) }
        return PEFixture.image(sections)
    }

    /// A firmware root with Intel 0x2007006 for 06-55-04 and AMD 0xa0011d5 for 0xa00f11.
    static func firmware(in directory: TemporaryDirectory) throws -> String {
        try ImageFixture.firmware(
            in: directory,
            intel: ["06-55-04": Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7)],
            amd: ["microcode_amd_fam19h.bin": GoldenWorld.amd(patch: 0xa0011d5, date: 0x0311_2025)])
    }

    static let cfg417 = "[global]\ndefault=xen\n\n[xen]\noptions=console=com1 com1=115200,8n1 loglvl=all noreboot\nkernel=vmlinuz console=hvc0\n"
    static let cfg420 = "# Xen 4.20\r\n[global]\r\ndefault=xen\r\n\r\n[xen]\r\noptions=console=com1\r\nkernel=vmlinuz console=hvc0\r\nucode=vendor.bin # mine\r\n\r\n[xen-safe]\r\nkernel=vmlinuz\r\n"

    /// An ESP folder: Debian 12's Xen as EFI/BOOT/BOOTX64.EFI (+ .cfg), Debian 13's as EFI/xen/xen-4.20-amd64.efi with xen.cfg.
    static func esp(in directory: TemporaryDirectory, name: String = "esp") throws -> String {
        let esp = try directory.directory(name)
        try directory.directory(name + "/EFI/BOOT")
        try directory.directory(name + "/EFI/xen")
        try ImageFixture.write(xenEFI(version: xen417), to: esp + "/EFI/BOOT/BOOTX64.EFI")
        try Fabricate.write(cfg417, to: esp + "/EFI/BOOT/BOOTX64.cfg")
        try ImageFixture.write(xenEFI(version: xen420), to: esp + "/EFI/xen/xen-4.20-amd64.efi")
        try Fabricate.write(cfg420, to: esp + "/EFI/xen/xen.cfg")
        try Fabricate.write("admin's own\n", to: esp + "/EFI/xen/vendor.bin")
        return esp
    }

    /// Every regular file below `folder` with its bytes, by relative path.
    static func snapshot(_ folder: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder))
        while let name = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[name] = try Fabricate.read(folder + "/" + name)
            }
        }
        return out
    }

    /// A unified kernel image: systemd-stub-like code, then `.osrel`,
    /// `.cmdline`, `.uname`, `.linux`, `.initrd`, `.ucode` as ukify 257 lays them out.
    static func uki(linux: [UInt8], initrd: [UInt8]?, ucode: [UInt8]?, uname: String = "6.12.117+deb13-amd64",
                    cmdline: String = "console=ttyS0") -> [UInt8] {
        var sections = [
            PEFixture.Section(".text", ImageFixture.filler(3000, seed: 11)),
            PEFixture.Section(".osrel", Array("PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\n".utf8)),
            PEFixture.Section(".cmdline", Array(cmdline.utf8)),
            PEFixture.Section(".uname", Array(uname.utf8)),
            PEFixture.Section(".linux", linux),
        ]
        if let initrd { sections.append(PEFixture.Section(".initrd", initrd)) }
        if let ucode { sections.append(PEFixture.Section(".ucode", ucode)) }
        return PEFixture.image(sections)
    }
}
