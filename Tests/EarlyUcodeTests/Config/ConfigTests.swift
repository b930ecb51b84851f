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
        ("EARLY_UCODE=auto\nEARLY_UCODE_XEN=$(reboot)\n", 2, ConfigError.expansionNotAccepted),
        ("EARLY_UCODE=\"$HOME\"\n", 1, .expansionNotAccepted),
        ("EARLY_UCODE=`id`\n", 1, .commandSubstitution),
        ("\n\nEARLY_UCODE=sometimes\n", 3, .badScope("sometimes")),
        ("EARLY_UCODE_XEN=on\n", 1, .badXenMode("on")),
        ("EARLY_UCODE_CPUS=\"0x50654 intel\"\n", 1, .badCPU("intel")),
        ("EARLY_UCODE_EXCLUDE=0x50654,rev\n", 1, .badExclusion("0x50654,rev")),
        ("EARLY_UCODE_FIRMWARE_DIRS=firmware\n", 1, .relativeFirmwareDirectory("firmware")),
        ("EARLY_UCODE_TYPO=all\n", 1, .unknownKey("EARLY_UCODE_TYPO")),
        ("EARLY_UCODE=all\nEARLY_UCODE=no\n", 2, .setTwice(key: "EARLY_UCODE", firstLine: 1)),
        ("export EARLY_UCODE=all\n", 1, .export),
        ("EARLY_UCODE=all; reboot\n", 1, .mustBeQuoted(";")),
        ("EARLY_UCODE=all reboot\n", 1, .textAfterValue("reboot")),
        ("EARLY_UCODE=\"all\n", 1, .unterminatedDoubleQuote),
        ("EARLY_UCODE_CPUS=0x50654 0x50657\n", 1, .textAfterValue("0x50657")),
        ("if true; then EARLY_UCODE=all; fi\n", 1, .badVariableName(found: "if true; then EARLY_UCODE=all; fi")),
    ])
    func rejectedWithLine(text: String, line: Int, problem: ConfigError) {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect(error.line == line)
            #expect(error.path == "/etc/default/early-ucode")
            #expect(error.problem == .config(problem), "\(error.problem)")
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
