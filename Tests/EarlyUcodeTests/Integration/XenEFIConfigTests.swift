import Testing

@testable import EarlyUcode

@Suite("xen.efi configuration")
struct XenEFIConfigTests {
    static func parse(_ text: String) throws(InputError) -> XenEFIConfig {
        try XenEFIConfig(Array(text.utf8), path: "xen.cfg")
    }

    @Test func readsWhatXenReads() throws {
        let config = try Self.parse("""
            # comment
            ; also a comment
            [global]
            default=xen

              [xen]
            options=console=com1 com1=115200,8n1   # Xen's command line
            kernel=vmlinuz-6.1 root=/dev/sda1 ro
            \tucode= ucode.bin trailing words

            [xen-old]
            kernel=vmlinuz-5.10

            """)
        #expect(config.sections.map(\.name) == ["global", "xen", "xen-old"])
        #expect(config.bootSections.map(\.name) == ["xen", "xen-old"])
        #expect(config.defaultSection == "xen")
        let xen = try #require(config.section(named: "xen"))
        #expect(config.value(of: "options", in: xen) == "console=com1 com1=115200,8n1")
        #expect(config.value(of: "kernel", in: xen) == "vmlinuz-6.1 root=/dev/sda1 ro")
        // Leading blanks dropped, cut at the first blank (split_string()).
        let ucode = try #require(config.ucode(for: xen))
        #expect(ucode.file == "ucode.bin" && !ucode.fromGlobal && !ucode.isEarlyUcodes)
        #expect(config.lines[ucode.line].number == 9)
        #expect(config.ucode(for: try #require(config.section(named: "xen-old"))) == nil)
    }

    @Test func globalUcodeIsTheFallback() throws {
        let config = try Self.parse("[global]\ndefault=a\nucode=all.bin\n[a]\nkernel=k\n[b]\nkernel=k\nucode=b.bin\n")
        let sectionA = try #require(config.section(named: "a"))
        let a = try #require(config.ucode(for: sectionA))
        #expect(a.file == "all.bin" && a.fromGlobal)
        #expect(config.ucode(for: try #require(config.section(named: "b")))?.file == "b.bin")
    }

    /// Everything Xen would read differently from how it looks: one error, its line.
    @Test(arguments: [
        ("[global]\n[]\n", 2, "without a name"),
        ("[global\n", 1, "without ']'"),
        ("[global] extra\n", 1, "after the section header"),
        ("[my xen]\n", 1, "space or '['"),
        ("[a]\n[a]\n", 2, "first on line 1"),
        ("kernel=x\n[a]\n", 1, "before the first [section]"),
        ("[a]\nkernel\n", 2, "neither [section] nor key=value"),
        ("[a]\nucode = x\n", 2, "space between ucode and '='"),
        ("[a]\nbad key=x\n", 2, "is not a key"),
        ("[a]\nkernel=x\nkernel=y\n", 3, "again in [a]"),
        ("[a]\nkernel=x", 2, "no newline at the end"),
        ("[a]\nkernel=x\tucode=y\n", 2, "control byte 0x09"),
        ("[a]\n# note\tkernel=y\n", 2, "control byte 0x09"),
        ("[a]\nkernel=x\u{1b}\n", 2, "control byte 0x1b"),
        ("[a]\nkernel=x\ry\n", 2, "carriage return"),
        ("[a]\nkernel=caf\u{e9}\n", 2, "not ASCII"),
    ])
    func refuses(_ text: String, line: Int, reason: String) {
        let error = #expect(throws: InputError.self) { try Self.parse(text) }
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("xen.cfg:\(line): ") == true)
    }

    @Test func refusesALongLine() {
        let text = "[a]\nkernel=" + String(repeating: "x", count: 5000) + "\n"
        let error = #expect(throws: InputError.self) { try Self.parse(text) }
        #expect(error?.line == 2)
        #expect(error?.reason.contains("longer than the 4096") == true)
    }

    @Test func blanksAroundAreFine() throws {
        // Leading and trailing tabs and spaces: Xen drops a leading one, a trailing one ends nothing that matters.
        let config = try Self.parse("\t[a]\t\n \tkernel=x \t\n\n")
        #expect(config.bootSections.map(\.name) == ["a"])
        #expect(try Self.parse("").sections.isEmpty)
    }

    @Test func configNamesFollowXensRule() {
        #expect(XenEFI.configNames(forImage: "BOOTX64.EFI") == ["BOOTX64.cfg"])
        #expect(XenEFI.configNames(forImage: "xen-4.17-amd64.efi") == ["xen-4.17-amd64.cfg", "xen-4.17.cfg", "xen-4.cfg", "xen.cfg"])
        #expect(XenEFI.configNames(forImage: "xen_debug.efi") == ["xen_debug.cfg", "xen.cfg"])
        #expect(XenEFI.configNames(forImage: "xen") == [])
    }

    // MARK: Edits

    @Test func enableAddsAndDisableRemovesByteForByte() throws {
        let original = EFIFixture.cfg417
        let config = try Self.parse(original)
        let (enabled, changes) = config.enabling(file: "early-ucode.bin")
        #expect(changes == [.added(section: "xen", file: "early-ucode.bin")])
        #expect(String(decoding: enabled, as: UTF8.self) == original + "ucode=early-ucode.bin # early-ucode\n")
        let reread = try XenEFIConfig(enabled, path: "xen.cfg")
        let section = try #require(reread.section(named: "xen"))
        let ucode = try #require(reread.ucode(for: section))
        #expect(ucode.file == "early-ucode.bin" && ucode.isEarlyUcodes)
        // A second enable changes nothing.
        #expect(reread.enabling(file: "early-ucode.bin").changes.isEmpty)
        #expect(reread.enabling(file: "early-ucode.bin").bytes == enabled)
        let (disabled, removed) = reread.disabling()
        #expect(removed == [.removed(section: "xen", file: "early-ucode.bin")])
        #expect(disabled == Array(original.utf8))
    }

    @Test func replacedLineComesBackAndLineEndsStay() throws {
        let original = EFIFixture.cfg420
        let config = try Self.parse(original)
        let (enabled, changes) = config.enabling(file: "early-ucode.cpio")
        #expect(changes == [.replaced(section: "xen", old: "vendor.bin", file: "early-ucode.cpio"), .added(section: "xen-safe", file: "early-ucode.cpio")])
        let text = String(decoding: enabled, as: UTF8.self)
        #expect(text.contains("# early-ucode replaced: ucode=vendor.bin # mine\r\nucode=early-ucode.cpio # early-ucode\r\n"))
        #expect(text.hasSuffix("[xen-safe]\r\nkernel=vmlinuz\r\nucode=early-ucode.cpio # early-ucode\r\n"))
        let reread = try XenEFIConfig(enabled, path: "xen.cfg")
        // The format changes (a Xen upgrade): early-ucode's lines follow.
        let (updated, updates) = reread.enabling(file: "early-ucode.bin")
        #expect(updates == [.updated(section: "xen", old: "early-ucode.cpio", file: "early-ucode.bin"),
                            .updated(section: "xen-safe", old: "early-ucode.cpio", file: "early-ucode.bin")])
        let (disabled, restored) = try XenEFIConfig(updated, path: "xen.cfg").disabling()
        #expect(restored == [.restored(section: "xen", file: "early-ucode.bin", line: "ucode=vendor.bin # mine"),
                             .removed(section: "xen-safe", file: "early-ucode.bin")])
        #expect(disabled == Array(original.utf8))
    }

    @Test func anIndentedReplacedLineComesBack() throws {
        let original = "[a]\n\tkernel=k\n\t ucode=old.bin\n"
        let config = try Self.parse(original)
        let enabled = config.enabling(file: "f").bytes
        #expect(String(decoding: enabled, as: UTF8.self) == "[a]\n\tkernel=k\n\t # early-ucode replaced: ucode=old.bin\n\t ucode=f # early-ucode\n")
        #expect(try XenEFIConfig(enabled, path: "xen.cfg").disabling().bytes == Array(original.utf8))
    }

    /// Found by fuzz-xen-efi-cfg: a replaced-line comment edited by hand
    /// into something that is not a `ucode=` line was put back as it was,
    /// and the disabled file no longer read.
    @Test(arguments: ["  # early-ucode replaced: uc`ode=old.bin", "  # early-ucode replaced: kernel=other", "  # early-ucode replaced: ucode=x # early-ucode"])
    func aDamagedReplacedLineStaysAComment(record: String) throws {
        let original = "[xen]\n  kernel=vmlinuz\n\(record)\n  ucode=early-ucode.cpio # early-ucode\n"
        let config = try Self.parse(original)
        #expect(!config.isReplacedRecord(2))
        let (disabled, changes) = config.disabling()
        #expect(changes == [.removed(section: "xen", file: "early-ucode.cpio")])
        #expect(String(decoding: disabled, as: UTF8.self) == "[xen]\n  kernel=vmlinuz\n\(record)\n")
        _ = try XenEFIConfig(disabled, path: "xen.cfg")
    }

    @Test func insertedLineTakesTheIndent() throws {
        let config = try Self.parse("[a]\n    kernel=k\n\n# end\n")
        let text = String(decoding: config.enabling(file: "f").bytes, as: UTF8.self)
        #expect(text == "[a]\n    kernel=k\n    ucode=f # early-ucode\n\n# end\n")
    }

    @Test func globalAndSectionsWithoutKernelAreLeftAlone() throws {
        let config = try Self.parse("[global]\ndefault=a\nucode=g.bin\n[a]\nkernel=k\n[notes]\nvideo=gfx-1024x768\n")
        let (bytes, changes) = config.enabling(file: "f")
        #expect(changes == [.added(section: "a", file: "f")])
        #expect(String(decoding: bytes, as: UTF8.self) == "[global]\ndefault=a\nucode=g.bin\n[a]\nkernel=k\nucode=f # early-ucode\n[notes]\nvideo=gfx-1024x768\n")
    }
}
