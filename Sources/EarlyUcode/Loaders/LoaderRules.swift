/// A rule some releases of a loader follow and others do not: the unit the
/// loader models are built from. Which versions have which rule is the
/// table `LoaderRules.rows`; nothing else decides it.
public enum LoaderRule: String, Sendable, CaseIterable, Codable {
    /// AMD Zen patches are loaded only if their SHA-256 is in the loader's
    /// built-in list ("Entrysign", AMD SB-7033, CVE-2024-36347), unless the
    /// firmware already runs a fixed revision (`EntrysignCutoffs`).
    case amdDigestCheck
    /// Linux: on Zen (family 17h and later) a patch matches by the
    /// family/model/stepping encoded in its patch id; the equivalence table
    /// is not used.
    case amdZenPatchIDMatch
    /// Xen: a Zen 3-5 patch of the new signature scheme carries a minimum
    /// revision (in the old checksum field); below it the patch is refused.
    case amdMinimumRevision
    /// Xen: family 1Ah patches may be up to 15296 bytes (before: the default 2048).
    case xenFamily1AhSize
    /// Xen: an AMD equivalence table need not end with the all-zero entry.
    case xenTableWithoutTerminator
    /// Xen: Intel updates whose data size is not a multiple of 4 are refused.
    case xenIntelDataSizeMultipleOf4
    /// Xen: `ucode=<N>` (multiboot) and xen.efi's `ucode=<file>` accept a cpio.
    case xenUcodeFileCPIO
    /// Xen: `ucode=allow-same` is gone.
    case xenAllowSameRemoved
}

/// Which releases of a loader follow a rule: the first release of each
/// stable branch that has it (a backport), and the mainline release it
/// arrived in. A version has the rule when it is at least the mainline
/// release, or at least the row's release on its own branch.
public struct LoaderRuleRow: Sendable, Equatable {
    public var rule: LoaderRule
    public var loader: BootLoader
    /// Mainline: every later branch has it.
    public var mainline: LoaderVersion
    /// Stable branches that got it later, by their first release with it.
    public var backports: [LoaderVersion]
    /// Release notes or commits, so the next version is a row with a citation.
    public var source: String

    public func holds(for version: LoaderVersion) -> Bool {
        if version.branch >= mainline.branch { return version >= mainline }
        return backports.contains { $0.branch == version.branch && version >= $0 }
    }
}

public enum LoaderRules {
    /// Measured where noted ("measured": on Debian's binaries, see
    /// shared/FORMATS.md and scripts/loader-test); the rest read in the
    /// sources named.
    public static let rows: [LoaderRuleRow] = [
        LoaderRuleRow(rule: .amdDigestCheck, loader: .linux, mainline: LoaderVersion(6, 14, 0),
                      backports: [LoaderVersion(6, 12, 18), LoaderVersion(6, 6, 81)],
                      source: "Linux 50cef76d5cb0 \"x86/microcode/AMD: Load only SHA256-checksummed patches\" (v6.14; stable 6.12.18, 6.6.81); measured: Debian 13's 6.12.117 lists 0x0a0011d5, Debian 12's 6.1.192 has no list"),
        LoaderRuleRow(rule: .amdZenPatchIDMatch, loader: .linux, mainline: LoaderVersion(6, 13, 0),
                      backports: [LoaderVersion(6, 12, 18), LoaderVersion(6, 6, 81)],
                      source: "Linux 94838d230a6c \"x86/microcode/AMD: Use the family,model,stepping encoded in the patch ID\" (v6.13; taken with the digest check, which needs it)"),
        LoaderRuleRow(rule: .amdDigestCheck, loader: .xen, mainline: LoaderVersion(4, 21, 0),
                      backports: [LoaderVersion(4, 17, 6), LoaderVersion(4, 18, 5), LoaderVersion(4, 19, 3), LoaderVersion(4, 20, 1)],
                      source: "Xen amd.c check_digest() against amd-patch-digests.c (4.21; backported to 4.17.6, 4.18.5, 4.19.3, 4.20.1); measured: Xen 4.17.7 and 4.20.4 print \"Patch 0a0011d5 SHA256 mismatch\""),
        LoaderRuleRow(rule: .amdMinimumRevision, loader: .xen, mainline: LoaderVersion(4, 21, 0),
                      backports: [LoaderVersion(4, 17, 6), LoaderVersion(4, 18, 6), LoaderVersion(4, 19, 4), LoaderVersion(4, 20, 2)],
                      source: "Xen amd.c check_min_rev() (\"current rev below patch min_rev\"), with the Entrysign relaxation (4.17.6, 4.18.6, 4.19.4, 4.20.2)"),
        LoaderRuleRow(rule: .xenFamily1AhSize, loader: .xen, mainline: LoaderVersion(4, 20, 0),
                      backports: [LoaderVersion(4, 18, 5), LoaderVersion(4, 19, 2)],
                      source: "Xen amd.c F1AH_MPB_MAX_SIZE 15296 (4.20; 4.18.5, 4.19.2); 4.17 has none (Qubes 4.2: \"Bad microcode length\" for a Zen 5 patch)"),
        LoaderRuleRow(rule: .xenTableWithoutTerminator, loader: .xen, mainline: LoaderVersion(4, 20, 0),
                      backports: [LoaderVersion(4, 19, 1)],
                      source: "Xen amd.c scan_equiv_cpu_table() stops at the first zero entry instead of requiring one last (after 4.19.0); measured: 4.17.7 prints \"Bad equivalent cpu table\" without it"),
        LoaderRuleRow(rule: .xenIntelDataSizeMultipleOf4, loader: .xen, mainline: LoaderVersion(4, 20, 0), backports: [],
                      source: "Xen intel.c microcode_sanity_check() (4.20)"),
        LoaderRuleRow(rule: .xenUcodeFileCPIO, loader: .xen, mainline: LoaderVersion(4, 22, 0),
                      backports: [LoaderVersion(4, 20, 3), LoaderVersion(4, 21, 1)],
                      source: "Xen xen-command-line.pandoc: ucode=<N> and xen.efi ucode=<file> take a cpio (4.22; 4.20.3, 4.21.1)"),
        LoaderRuleRow(rule: .xenAllowSameRemoved, loader: .xen, mainline: LoaderVersion(4, 20, 0), backports: [],
                      source: "Xen docs/misc/xen-command-line.pandoc: ucode=allow-same removed in 4.20"),
    ]

    /// The rules `loader` at `version` follows.
    public static func rules(_ loader: BootLoader, _ version: LoaderVersion) -> Set<LoaderRule> {
        Set(rows.filter { $0.loader == loader && $0.holds(for: version) }.map(\.rule))
    }
}

/// The last revision of each Zen stepping still open to Entrysign: when a
/// CPU already runs a later one (fixed firmware), Linux and Xen skip the
/// digest check. Linux amd.c need_sha_check() lists "last vulnerable" per
/// `revision >> 8`; Xen amd.c amd_check_entrysign() the same table as
/// "first fixed" (taken from Linux, it says). A stepping not listed is
/// checked (Linux prints "You should not be seeing this").
public enum EntrysignCutoffs {
    static let lastVulnerable: [UInt32: UInt32] = [
        0x80012: 0x8001277, 0x80082: 0x800820f, 0x83010: 0x830107c, 0x86001: 0x860010e,
        0x86081: 0x8608108, 0x87010: 0x8701034, 0x8a000: 0x8a0000a, 0xa0010: 0xa00107a,
        0xa0011: 0xa0011da, 0xa0012: 0xa001243, 0xa0082: 0xa00820e, 0xa1011: 0xa101153,
        0xa1012: 0xa10124e, 0xa1081: 0xa108109, 0xa2010: 0xa20102f, 0xa2012: 0xa201212,
        0xa4041: 0xa404109, 0xa5000: 0xa500013, 0xa6012: 0xa60120a, 0xa7041: 0xa704109,
        0xa7052: 0xa705208, 0xa7080: 0xa708009, 0xa70c0: 0xa70c009, 0xaa001: 0xaa00116,
        0xaa002: 0xaa00218, 0xb0021: 0xb002146, 0xb0081: 0xb008111, 0xb1010: 0xb101046,
        0xb2040: 0xb204031, 0xb4040: 0xb404031, 0xb4041: 0xb404101, 0xb6000: 0xb600031,
        0xb6080: 0xb608031, 0xb7000: 0xb700031,
    ]

    /// Whether a CPU running `revision` already has the firmware fix, so
    /// the digest check does not apply; false when not known.
    public static func firmwareFixed(running revision: UInt32?) -> Bool {
        guard let revision, let last = lastVulnerable[revision >> 8] else { return false }
        return revision > last
    }

    /// Linux amd.c cpu_has_entrysign() (2025-10 "Limit Entrysign signature
    /// checking to known generations"): families 17h and 19h, and the Zen 5
    /// models of 1Ah. Xen checks families 17h to 1Ah.
    public static func affected(_ signature: CPUSignature, loader: BootLoader) -> Bool {
        switch signature.family {
        case 0x17, 0x19: return true
        case 0x1a:
            if loader == .xen { return true }
            let model = signature.model
            return model <= 0x2f || (0x40...0x4f).contains(model) || (0x60...0x6f).contains(model)
        default: return false
        }
    }
}
