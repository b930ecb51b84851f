// The report of `grub status` (text and --json). Field names and meanings
// are documented in docs/json.md; add fields, never rename or remove them.

/// early-ucode's file in GRUB's defaults folder, as `grub status` found it.
public struct GrubFragmentReport: Encodable, Sendable, Equatable {
    public var path: String
    public var present: Bool
    /// auto or yes; absent when the file is absent.
    public var mode: String?
    /// The file is what `grub enable` writes for the EARLY_UCODE_XEN in
    /// effect; absent when the file is absent.
    public var current: Bool?
}

/// Whether the file is in place, and what update-grub gives Xen.
public struct GrubStatusReport: Encodable, Sendable {
    /// EARLY_UCODE_XEN in effect: auto, yes or no.
    public var earlyUcodeXen: String
    /// The configuration file read; absent when there is none (defaults).
    public var config: String?
    public var fragment: GrubFragmentReport
    /// GRUB's defaults files read, in the order update-grub sources them.
    public var files: [String]
    /// What update-grub puts on Xen's command line: normal entries
    /// (GRUB_CMDLINE_XEN and GRUB_CMDLINE_XEN_DEFAULT), recovery entries
    /// (GRUB_CMDLINE_XEN only).
    public var normalCommandLine: String
    public var recoveryCommandLine: String
    /// Lines that touch GRUB_CMDLINE_XEN* or GRUB_EARLY_INITRD* but cannot be
    /// read without a shell.
    public var unreadable: [FileProblemReport]

    /// `fragmentText` is the file's text when it exists (it is early-ucode's).
    public init(config: EarlyUcodeConfig, fragment file: GrubFragmentFile, fragmentText: String?, defaults: GrubDefaults) {
        earlyUcodeXen = config.xen.rawValue
        self.config = config.path
        if let fragmentText, let found = GrubFragment.recognise(Array(fragmentText.utf8), path: file.path) {
            fragment = GrubFragmentReport(path: file.path, present: true, mode: found.mode.rawValue,
                                          current: found.current && GrubFragment.Mode(config.xen) == found.mode)
        } else {
            fragment = GrubFragmentReport(path: file.path, present: false)
        }
        files = defaults.files
        normalCommandLine = defaults.normalCommandLine.words.joined(separator: " ")
        recoveryCommandLine = defaults.recoveryCommandLine.words.joined(separator: " ")
        unreadable = defaults.unreadable.map(FileProblemReport.init)
    }

    /// What `grub status` prints without --json (the unreadable lines are
    /// warnings on standard error).
    public var lines: [String] {
        var out = ["EARLY_UCODE_XEN=\(earlyUcodeXen) (\(config ?? "no configuration file: default"))"]
        if fragment.present, let mode = fragment.mode {
            out.append("\(fragment.path): present, mode \(mode), \(fragment.current == true ? "current" : "outdated: run 'early-ucode grub enable'")")
        } else {
            out.append("\(fragment.path): absent")
        }
        out.append("update-grub gives Xen's normal entries:   \(normalCommandLine)")
        out.append("update-grub gives Xen's recovery entries: \(recoveryCommandLine)")
        return out
    }
}
