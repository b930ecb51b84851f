/// What update-grub will put on Xen's command line, worked out from
/// `/etc/default/grub` and `/etc/default/grub.d/*.cfg` without executing
/// them (grub-mkconfig sources them in that order, the later winning).
///
/// Plain assignments, with `$VAR` references to values set earlier, are
/// followed; early-ucode's own fragment is recognised by its marker and its
/// effect applied; any other line that mentions a `GRUB_CMDLINE_XEN` variable
/// but cannot be read without a shell is reported, so a conclusion is never
/// drawn from a file only partly understood.
public struct GrubDefaults: Sendable, Equatable {
    public static let defaultFile = "/etc/default/grub"
    public static let defaultDirectory = "/etc/default/grub.d"
    public static let fragmentName = "zz-early-ucode.cfg"

    /// `GRUB_CMDLINE_XEN`: every Xen entry, recovery included.
    public var xen: String = ""
    /// `GRUB_CMDLINE_XEN_DEFAULT`: normal entries only.
    public var xenDefault: String = ""
    /// `GRUB_CMDLINE_LINUX` (every Linux entry, dom0's under Xen too) and
    /// `GRUB_CMDLINE_LINUX_DEFAULT` (normal entries only).
    public var linux: String = ""
    public var linuxDefault: String = ""
    /// `GRUB_EARLY_INITRD_LINUX_CUSTOM`: more early-initrd names.
    public var earlyInitrdCustom: String = ""
    /// `GRUB_EARLY_INITRD_LINUX_STOCK` when a file sets it (nil: GRUB's own
    /// list, `GrubConfig.stockEarlyInitrdNames`), and where.
    public var earlyInitrdStock: String?
    public var earlyInitrdStockSetAt: String?
    /// Files read, in order.
    public var files: [String] = []
    /// Where each of the two command-line variables was last set (`file:line`).
    public var xenSetAt: String?
    public var xenDefaultSetAt: String?
    /// early-ucode's fragment, when one was found.
    public var fragment: GrubFragment.Found?
    /// Lines that touch the Xen command line but need a shell to understand.
    public var unreadable: [InputError] = []

    public init() {}

    /// The words Linux gets in normal entries (the ones that matter at the
    /// next boot): `GRUB_CMDLINE_LINUX` then `GRUB_CMDLINE_LINUX_DEFAULT`.
    public var normalLinuxWords: [String] { XenCommandLine(parsing: linux + " " + linuxDefault).words }

    /// The command lines Xen gets from update-grub.
    public var normalCommandLine: XenCommandLine { XenCommandLine(parsing: xen + " " + xenDefault) }
    public var recoveryCommandLine: XenCommandLine { XenCommandLine(parsing: xen) }

    public static func load(file: String = defaultFile, directory: String = defaultDirectory) throws -> GrubDefaults {
        var result = GrubDefaults()
        var paths: [String] = []
        if FileIO.resolvedKind(file) == .regular { paths.append(file) }
        if FileIO.resolvedKind(directory) == .directory {
            let names: [String]
            do { names = try FileIO.entries(of: directory) } catch { throw InputError(error) }
            // grub-mkconfig's glob: `*.cfg`, which skips names starting with a dot.
            for name in names where name.hasSuffix(".cfg") && !name.hasPrefix(".") {
                let path = Path.join(directory, name)
                if FileIO.resolvedKind(path) == .regular { paths.append(path) }
            }
        }
        var variables: [String: String] = [:]
        for path in paths {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path, limit: 1 << 20) } catch { throw InputError(error) }
            result.files.append(path)
            if let found = GrubFragment.recognise(bytes, path: path) {
                result.fragment = found
                let (xen, xenDefault) = found.mode.apply(xen: variables["GRUB_CMDLINE_XEN"] ?? "",
                                                         xenDefault: variables["GRUB_CMDLINE_XEN_DEFAULT"] ?? "")
                if xenDefault != (variables["GRUB_CMDLINE_XEN_DEFAULT"] ?? "") { result.xenDefaultSetAt = path }
                variables["GRUB_CMDLINE_XEN"] = xen
                variables["GRUB_CMDLINE_XEN_DEFAULT"] = xenDefault
                continue
            }
            let parsed = try ShellAssignments.parse(bytes, path: path, strict: false, environment: variables)
            for assignment in parsed.assignments {
                variables[assignment.key] = assignment.value
                if assignment.key == "GRUB_CMDLINE_XEN" { result.xenSetAt = "\(path):\(assignment.line)" }
                if assignment.key == "GRUB_CMDLINE_XEN_DEFAULT" { result.xenDefaultSetAt = "\(path):\(assignment.line)" }
                if assignment.key == "GRUB_EARLY_INITRD_LINUX_STOCK" { result.earlyInitrdStockSetAt = "\(path):\(assignment.line)" }
            }
            for line in parsed.unreadable where line.text.contains("GRUB_CMDLINE_") || line.text.contains("GRUB_EARLY_INITRD") {
                result.unreadable.append(InputError(path: path, line: line.line, .grub(.needsShell(.config(line.problem), text: line.text))))
            }
        }
        result.xen = variables["GRUB_CMDLINE_XEN"] ?? ""
        result.xenDefault = variables["GRUB_CMDLINE_XEN_DEFAULT"] ?? ""
        result.linux = variables["GRUB_CMDLINE_LINUX"] ?? ""
        result.linuxDefault = variables["GRUB_CMDLINE_LINUX_DEFAULT"] ?? ""
        result.earlyInitrdCustom = variables["GRUB_EARLY_INITRD_LINUX_CUSTOM"] ?? ""
        result.earlyInitrdStock = variables["GRUB_EARLY_INITRD_LINUX_STOCK"]
        return result
    }
}

/// early-ucode's file for `/etc/default/grub.d/`: POSIX sh that
/// grub-mkconfig sources, adding `ucode=scan` to `GRUB_CMDLINE_XEN_DEFAULT`
/// (normal entries only, so recovery entries stay a way around a bad update)
/// unless it is already there. The check is in the file itself because
/// grub-mkconfig, not early-ucode, decides when it runs.
public enum GrubFragment {
    /// First line of every fragment early-ucode writes; how it recognises its own.
    public static let marker = "# early-ucode: managed by 'early-ucode grub enable'; removed by 'early-ucode grub disable'."

    public enum Mode: String, Sendable, Equatable {
        /// Leave Xen alone when a `ucode=` option is already configured.
        case auto
        /// Add `ucode=scan` unless `ucode=scan` is already there.
        case yes

        public init?(_ xen: EarlyUcodeConfig.XenMode) {
            switch xen {
            case .auto: self = .auto
            case .yes: self = .yes
            case .no: return nil
            }
        }

        /// The values after grub-mkconfig sourced the fragment.
        public func apply(xen: String, xenDefault: String) -> (String, String) {
            let words = XenCommandLine(parsing: xen + " " + xenDefault).words
            let present = switch self {
            case .auto: words.contains { $0.hasPrefix("ucode=") }
            case .yes: words.contains("ucode=scan")
            }
            if present { return (xen, xenDefault) }
            return (xen, xenDefault.isEmpty ? "ucode=scan" : xenDefault + " ucode=scan")
        }
    }

    public struct Found: Sendable, Equatable {
        public var path: String
        public var mode: Mode
        /// The file is exactly what this version writes for `mode`.
        public var current: Bool
    }

    public static func recognise(_ bytes: [UInt8], path: String) -> Found? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix(marker + "\n") else { return nil }
        let mode: Mode = text.contains("\n# mode: yes\n") ? .yes : .auto
        return Found(path: path, mode: mode, current: text == content(mode))
    }

    /// The file's text. The `case` patterns look for the option as a whole
    /// word, separated by a space or a tab, so re-running grub-mkconfig (or
    /// sourcing the file twice) never adds it twice.
    public static func content(_ mode: Mode) -> String {
        let test: String
        let explanation: String
        switch mode {
        case .auto:
            explanation = """
                # mode: auto
                # EARLY_UCODE_XEN=auto: a ucode= option already configured for Xen
                # (GRUB_CMDLINE_XEN or GRUB_CMDLINE_XEN_DEFAULT) is left as it is.
                """
            test = "*\" ucode=\"*|*\"\tucode=\"*"
        case .yes:
            explanation = """
                # mode: yes
                # EARLY_UCODE_XEN=yes: ucode=scan is added unless it is already there.
                """
            test = "*\" ucode=scan \"*|*\"\tucode=scan \"*|*\" ucode=scan\t\"*|*\"\tucode=scan\t\"*"
        }
        return """
            \(marker)
            # Xen loads CPU microcode early from the dom0 initrd (module 1), where
            # early-ucode's initramfs-tools hook puts it, only with ucode=scan.
            # It goes to GRUB_CMDLINE_XEN_DEFAULT, which reaches normal entries only:
            # the recovery entries boot without it, a way around a bad update.
            \(explanation)
            case " ${GRUB_CMDLINE_XEN-} ${GRUB_CMDLINE_XEN_DEFAULT-} " in
            \(test)) ;;
            *) GRUB_CMDLINE_XEN_DEFAULT="${GRUB_CMDLINE_XEN_DEFAULT:+$GRUB_CMDLINE_XEN_DEFAULT }ucode=scan" ;;
            esac

            """
    }
}
