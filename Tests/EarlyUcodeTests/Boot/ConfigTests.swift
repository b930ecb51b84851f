import Testing

@testable import EarlyUcode

@Suite("EarlyUcodeConfig: /etc/default/early-ucode")
struct BootConfigTests {
    func parse(_ text: String) throws(InputError) -> EarlyUcodeConfig {
        try EarlyUcodeConfig.parse(Array(text.utf8), path: "/etc/default/early-ucode")
    }

    @Test func defaultsWhenEmpty() throws {
        let config = try parse("# nothing set\n\n")
        #expect(config.scope == nil)
        #expect(config.cpus.isEmpty && config.exclusions.isEmpty && config.firmwareDirectories.isEmpty)
        #expect(config.xen == .auto)
        #expect(config.sources == MicrocodeSource.systemDefaults)
    }

    @Test func shippedTemplateParses() throws {
        let text = try Fabricate.read(BootFixtures.packageRoot + "hooks/default/early-ucode")
        let config = try EarlyUcodeConfig.parse(text, path: "hooks/default/early-ucode")
        #expect(config.scope == nil && config.xen == .auto)
    }

    @Test func everyKey() throws {
        let config = try parse("""
            EARLY_UCODE=all
            EARLY_UCODE_CPUS="0x50654 06-55-07,0x80"  # two more
            EARLY_UCODE_EXCLUDE='0xa00f11,0xa0011d1'
            EARLY_UCODE_FIRMWARE_DIRS="/srv/fw /opt/ucode"
            EARLY_UCODE_XEN=yes

            """)
        #expect(config.scope == .all)
        #expect(config.cpus == [CPUTarget(signature: CPUSignature(0x50654)), CPUTarget(signature: CPUSignature(0x50657), platforms: PlatformFlags(0x80))])
        #expect(config.exclusions == [Exclusion(signature: CPUSignature(0xa00f11), revision: 0xa0011d1)])
        #expect(config.firmwareDirectories == ["/srv/fw", "/opt/ucode"])
        #expect(config.xen == .yes)
    }

    @Test(arguments: [
        ("EARLY_UCODE=auto\nEARLY_UCODE_XEN=$(reboot)\n", 2, "expansions"),
        ("EARLY_UCODE=\"$HOME\"\n", 1, "expansions"),
        ("EARLY_UCODE=`id`\n", 1, "command substitution"),
        ("\n\nEARLY_UCODE=sometimes\n", 3, "expected auto, all or no"),
        ("EARLY_UCODE_XEN=on\n", 1, "expected auto, yes or no"),
        ("EARLY_UCODE_CPUS=\"0x50654 intel\"\n", 1, "\"intel\" is not SIG[,PF]"),
        ("EARLY_UCODE_EXCLUDE=0x50654,rev\n", 1, "is not SIG[,REV]"),
        ("EARLY_UCODE_FIRMWARE_DIRS=firmware\n", 1, "not an absolute path"),
        ("EARLY_UCODE_TYPO=all\n", 1, "unknown key EARLY_UCODE_TYPO"),
        ("EARLY_UCODE=all\nEARLY_UCODE=no\n", 2, "set twice (first on line 1)"),
        ("export EARLY_UCODE=all\n", 1, "'export' is not accepted"),
        ("EARLY_UCODE=all; reboot\n", 1, "must be quoted"),
        ("EARLY_UCODE=all reboot\n", 1, "unexpected text after the value"),
        ("EARLY_UCODE=\"all\n", 1, "unterminated double quote"),
        ("EARLY_UCODE_CPUS=0x50654 0x50657\n", 1, "unexpected text after the value"),
        ("if true; then EARLY_UCODE=all; fi\n", 1, "expected KEY=value"),
    ])
    func rejectedWithLine(text: String, line: Int, reason: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect(error.line == line)
            #expect(error.path == "/etc/default/early-ucode")
            #expect(error.reason.contains(reason), "\(error.reason)")
            #expect(error.description.hasPrefix("/etc/default/early-ucode:\(line): "))
        }
    }

    @Test func missingDefaultFileIsFineButNamedFileIsNot() throws {
        let dir = try TemporaryDirectory("boot-config")
        #expect(try EarlyUcodeConfig.load(dir.file("absent"), required: false) == EarlyUcodeConfig())
        #expect(throws: InputError.self) { try EarlyUcodeConfig.load(dir.file("absent"), required: true) }
    }

    @Test func lenientReadingFollowsReferencesAndReportsTheRest() throws {
        let text = """
            GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=2G"
            GRUB_CMDLINE_XEN_DEFAULT="$GRUB_CMDLINE_XEN_DEFAULT ucode=scan"
            GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
            """
        let parsed = try ShellAssignments.parse(Array(text.utf8), path: "grub", strict: false)
        #expect(parsed.value(of: "GRUB_CMDLINE_XEN_DEFAULT") == "dom0_mem=2G ucode=scan")
        #expect(parsed.unreadable.map(\.line) == [3])
    }
}
