/// Where early-ucode's boot-path integrations are installed (hooks/ holds
/// their sources), and what `check` reads to tell which one a machine uses:
/// scripts/install puts them under /etc (and the binary in /usr/local/sbin),
/// the Debian package under /usr (and the binary in /usr/sbin).
public enum Integrations {
    /// initramfs-tools: hooks/initramfs-tools/early-ucode. mkinitramfs runs
    /// the hooks of both folders (0.142 and 0.148: run_scripts on each),
    /// so one installed in both runs twice.
    public static let initramfsHook = "/etc/initramfs-tools/hooks/early-ucode"
    public static let packagedInitramfsHook = "/usr/share/initramfs-tools/hooks/early-ucode"
    /// The binary each of them runs.
    public static let binary = "/usr/local/sbin/early-ucode"
    public static let packagedBinary = "/usr/sbin/early-ucode"
    /// dracut: hooks/dracut/90early-ucode/ and hooks/dracut/early-ucode.conf.
    public static let dracutModule = "/usr/lib/dracut/modules.d/90early-ucode/module-setup.sh"
    public static let dracutConf = OverridableFile(local: "/etc/dracut.conf.d/90-early-ucode.conf",
                                                   packaged: "/usr/lib/dracut/dracut.conf.d/90-early-ucode.conf")
    /// kernel-install: hooks/kernel-install/56-early-ucode.install.
    public static let kernelInstallPlugin = OverridableFile(local: "/etc/kernel/install.d/56-early-ucode.install",
                                                            packaged: "/usr/lib/kernel/install.d/56-early-ucode.install")
}

/// A file a package installs under /usr and an administrator (or
/// scripts/install) under /etc, where the one in /etc, when there, is the
/// one that counts: it overrides the same name under /usr, and a link to
/// /dev/null masks it (kernel-install(8) for plugins, dracut.conf(5) for
/// dracut.conf.d files).
public struct OverridableFile: Sendable, Equatable {
    public var local: String
    public var packaged: String

    public init(local: String, packaged: String) {
        self.local = local
        self.packaged = packaged
    }

    /// The name that counts: the one in /etc when anything is there, else
    /// the packaged one when it is there; nil when neither is.
    public var effective: String? {
        if FileIO.kind(local) != .missing { return local }
        return FileIO.kind(packaged) != .missing ? packaged : nil
    }

    /// The file that counts is a regular file (not masked, not dangling).
    public var isInEffect: Bool {
        effective.map { FileIO.resolvedKind($0) == .regular } ?? false
    }

    /// The same names under `root` (a captured tree, tests).
    public func under(_ at: (String) -> String) -> OverridableFile {
        OverridableFile(local: at(local), packaged: at(packaged))
    }
}

/// kernel-install's layout (`layout=` in install.conf): `bls` makes Boot
/// Loader Spec entries, `uki` unified kernel images; `other` and `compat`
/// leave the boot loader to something else (Debian's default with GRUB).
public enum KernelInstallLayout: Sendable, Equatable {
    case bls, uki, other(String)

    /// The last `layout=` of the files that exist, in order; nil when none sets it.
    public static func configured(in files: [String]) -> KernelInstallLayout? {
        var value: String?
        for file in files where FileIO.resolvedKind(file) == .regular {
            guard let bytes = try? FileIO.read(file, limit: 1 << 16),
                  let parsed = try? ShellAssignments.parse(bytes, path: file, strict: false) else { continue }
            if let layout = parsed.value(of: "layout") { value = layout }
        }
        return value.map { $0 == "bls" ? .bls : $0 == "uki" ? .uki : .other($0) }
    }

    public var name: String {
        switch self {
        case .bls: "bls"
        case .uki: "uki"
        case .other(let name): name
        }
    }
}

/// A Boot Loader Spec type #1 entry (`loader/entries/*.conf`): the fields
/// `check` needs.
public struct BootLoaderEntry: Sendable, Equatable {
    public var path: String
    /// The folder holding `loader/`: entry paths are relative to it.
    public var bootRoot: String
    public var version: String?
    /// `initrd` lines in order, as written (`/MACHINE-ID/V/microcode`).
    public var initrds: [String]

    /// `initrd` paths below `bootRoot`.
    public var initrdFiles: [String] { initrds.map { bootRoot + ($0.hasPrefix("/") ? $0 : "/" + $0) } }

    /// Entries in `bootRoot/loader/entries`, sorted by name.
    public static func entries(below bootRoot: String) -> [BootLoaderEntry] {
        let folder = Path.join(bootRoot, "loader/entries")
        guard let names = try? FileIO.entries(of: folder) else { return [] }
        return names.filter { $0.hasSuffix(".conf") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            let path = Path.join(folder, name)
            guard let bytes = try? FileIO.read(path, limit: 1 << 16) else { return nil }
            var entry = BootLoaderEntry(path: path, bootRoot: bootRoot, version: nil, initrds: [])
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let key = words.first, words.count >= 2 else { continue }
                let value = words.dropFirst().joined(separator: " ")
                if key == "version" { entry.version = value }
                // One path per line in the spec; systemd-boot takes several initrd lines.
                if key == "initrd" { entry.initrds += words.dropFirst().map(String.init) }
            }
            return entry
        }
    }
}
