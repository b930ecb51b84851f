#if canImport(Glibc)
import Glibc
#endif

/// Xen booted as an EFI application: `xen.efi` on the EFI system
/// partition (started by the firmware, or chainloaded), which never sees
/// GRUB's `ucode=scan` and loads microcode from the file its
/// configuration's `ucode=` names. This file finds those configurations
/// on the ESP, decides what file each Xen can read, and writes it and the
/// `ucode=` lines (`early-ucode efi enable|disable|status`).
///
/// Facts it relies on:
/// - xen.efi's configuration is named after the image: xen/common/efi/
///   boot.c efi_start() replaces the file name from its last `.`, `-` or
///   `_` with `.cfg` and tries that, then cuts there and tries again
///   (`xen-4.17-amd64.efi`: `xen-4.17-amd64.cfg`, `xen-4.17.cfg`,
///   `xen-4.cfg`, `xen.cfg`; `BOOTX64.EFI`: `BOOTX64.cfg`). FAT names are
///   case-insensitive. (measured: Debian 12's xen.efi as
///   EFI/BOOT/BOOTX64.EFI reads EFI/BOOT/BOOTX64.cfg)
/// - `ucode=` names a file in xen.efi's own folder. Before Xen 4.20.3,
///   4.21.1 and 4.22 it must be the raw vendor file (GenuineIntel.bin's or
///   AuthenticAMD.bin's contents, so one vendor); from those releases a
///   cpio as `build` writes it is read too (`LoaderRules`
///   `.xenUcodeFileCPIO`).
/// - A xen.efi carrying a `.ucode` PE section of its own (a "unified"
///   xen.efi, Xen 4.15 and later, efi-boot.h efi_arch_cfg_file_late():
///   read_section(image, "ucode") first) loads that and ignores `ucode=`.
public enum XenEFI {
    /// Debian mounts the ESP here.
    public static let defaultESP = "/boot/efi"
    /// The files early-ucode writes beside a configuration.
    public static let cpioName = "early-ucode.cpio"
    public static let rawName = "early-ucode.bin"
    public static let backupSuffix = ".early-ucode.bak"
    /// How deep below the ESP images are looked for (EFI/VENDOR/xen.efi is depth 3).
    static let searchDepth = 4
    static let searchLimit = 4096

    // MARK: What a configuration's Xen reads

    /// What `ucode=` may name for a Xen release.
    public enum UcodeFormat: String, Sendable, Equatable, Codable {
        /// The early cpio `build` writes (both vendors).
        case cpio
        /// One vendor's raw microcode file.
        case raw

        public var fileName: String { self == .cpio ? XenEFI.cpioName : XenEFI.rawName }
    }

    /// One xen.efi (or BOOT*.EFI that is Xen) on the ESP.
    public struct Image: Sendable {
        public var path: String
        public var binary: LoaderBinary
        /// Its PE headers; nil with `peProblem` when they do not read.
        public var pe: PEImage?
        public var peProblem: InputError?

        public var version: LoaderVersion? { binary.version }
        /// Reads a cpio from `ucode=`; nil when the version is unknown.
        public var takesCPIO: Bool? { version.map { LoaderRules.rules(.xen, $0).contains(.xenUcodeFileCPIO) } }
        /// A `.ucode` section of its own, which it loads instead of `ucode=`.
        public var hasUcodeSection: Bool { pe?.section(named: ".ucode") != nil }
        public var name: String { version.map { "Xen \($0)" } ?? "Xen (version unknown)" }
    }

    /// A configuration and the images that read it.
    public struct Target: Sendable {
        public var config: String
        public var images: [Image]
        public var directory: String { Path.split(config).directory }

        /// A cpio only when every image reading this file is known to take
        /// one; otherwise (an image too old, or of unknown version, or none
        /// found beside it) the raw file every release reads.
        public var format: UcodeFormat {
            !images.isEmpty && images.allSatisfy { $0.takesCPIO == true } ? .cpio : .raw
        }

        /// The Xen models for `check` and `status`: one per image, or the generic one.
        public var models: [LoaderModel] {
            images.isEmpty ? [.generic(.xen)] : images.map { LoaderModel($0.binary) }
        }

        public var microcodePath: String { Path.join(directory, format.fileName) }
        public var backupPath: String { config + XenEFI.backupSuffix }

        /// The releases, for messages: "Xen 4.17.7 (EFI/BOOT/BOOTX64.EFI)".
        public var xenNames: String {
            images.isEmpty ? "its Xen (no xen*.efi or BOOT*.EFI Xen image beside it: version unknown)"
                : images.map { "\($0.name) (\($0.path))" }.joined(separator: ", ")
        }
    }

    /// What was found on the ESP.
    public struct Discovery: Sendable {
        public var targets: [Target]
        /// Xen images without a configuration, and other things worth knowing.
        public var notes: [String]
    }

    // MARK: Finding configurations

    /// The names xen.efi tries for its configuration, in order (see above).
    public static func configNames(forImage name: String) -> [String] {
        var names: [String] = []
        var stem = Substring(name)
        while let tail = stem.lastIndex(where: { $0 == "." || $0 == "-" || $0 == "_" }) {
            names.append(String(stem[..<tail]) + ".cfg")
            stem = stem[..<tail]
        }
        return names
    }

    /// Whether `name` is one xen.efi could be installed as.
    static func isImageName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".efi") && (lower.hasPrefix("xen") || lower.hasPrefix("boot"))
    }

    /// The Xen image at `path`, or nil when it is some other EFI program
    /// (GRUB, shim, systemd-boot as BOOTX64.EFI).
    static func image(at path: String, cache: LoaderBinaryCache?) -> Image? {
        let binary = LoaderBinaries.read(path, as: .xen, cache: cache)
        if let problem = binary.problem, case .loaderBinary(let error) = problem.problem {
            switch error {
            case .notXenImage, .notELF, .badPE, .noXenBanner, .decompressionFailed, .decompressionBomb: return nil
            default: break
            }
        }
        var image = Image(path: path, binary: binary)
        do throws(InputError) {
            image.pe = try PEImage.read(try ImageFile(path: path))
        } catch {
            image.peProblem = error
        }
        return image
    }

    /// Every Xen configuration on the ESP: those the Xen images there
    /// read, and every `xen.cfg` (chainloaded Xens read one by that name).
    /// Symbolic links are not followed (FAT has none).
    public static func discover(esp: String, cache: LoaderBinaryCache?) -> Discovery {
        var notes: [String] = []
        var folders: [(path: String, names: [String])] = []
        var queue: [(String, Int)] = [(esp, 0)]
        var seen = 0
        while let (folder, depth) = queue.first {
            queue.removeFirst()
            guard let names = try? FileIO.entries(of: folder) else { continue }
            seen += names.count
            if seen > searchLimit {
                notes.append("\(esp): more than \(searchLimit) files; looked no further than \(folder)")
                break
            }
            folders.append((folder, names))
            guard depth < searchDepth else { continue }
            for name in names where FileIO.kind(Path.join(folder, name)) == .directory { queue.append((Path.join(folder, name), depth + 1)) }
        }
        var targets: [Target] = []
        for (folder, names) in folders {
            let files = names.filter { FileIO.kind(Path.join(folder, $0)) == .regular }
            var byConfig: [String: [Image]] = [:]
            for name in files where isImageName(name) {
                guard let image = image(at: Path.join(folder, name), cache: cache) else { continue }
                guard let config = configNames(forImage: name).lazy.compactMap({ wanted in files.first { $0.lowercased() == wanted.lowercased() } }).first else {
                    notes.append("\(image.path) (\(image.name)) has no configuration beside it (it looks for \(configNames(forImage: name).joined(separator: ", "))): it does not boot")
                    continue
                }
                byConfig[config, default: []].append(image)
            }
            for name in files where name.lowercased() == "xen.cfg" && byConfig[name] == nil { byConfig[name] = [] }
            for config in byConfig.keys.sorted() {
                targets.append(Target(config: Path.join(folder, config), images: byConfig[config] ?? []))
            }
        }
        return Discovery(targets: targets, notes: notes)
    }

    /// The configuration `--xen-cfg` names, with the Xen images beside it that read it.
    public static func target(config: String, cache: LoaderBinaryCache?) -> Target {
        let (folder, base) = Path.split(config)
        let files = ((try? FileIO.entries(of: folder)) ?? []).filter { FileIO.kind(Path.join(folder, $0)) == .regular }
        var images: [Image] = []
        for name in files where isImageName(name) {
            let resolved = configNames(forImage: name).lazy.compactMap { wanted in files.first { $0.lowercased() == wanted.lowercased() } }.first
            guard resolved?.lowercased() == base.lowercased(), let image = image(at: Path.join(folder, name), cache: cache) else { continue }
            images.append(image)
        }
        return Target(config: config, images: images)
    }

    /// The file a `ucode=` value names: relative to xen.efi's folder, or,
    /// starting with `\\`, to the volume's root (UEFI file paths, `\\`
    /// between folders; `/` accepted too), each name matched without
    /// regard to case as FAT does. Nil when no regular file is there.
    public static func resolve(ucode value: String, in folder: String, esp: String) -> String? {
        var current = value.hasPrefix("\\") || value.hasPrefix("/") ? esp : folder
        for name in value.split(whereSeparator: { $0 == "\\" || $0 == "/" }) where name != "." {
            if name == ".." {
                // Never above the volume's root: firmware paths do not leave it.
                if current != esp { current = Path.split(current).directory }
                continue
            }
            guard let found = ((try? FileIO.entries(of: current)) ?? []).first(where: { $0.lowercased() == name.lowercased() }) else { return nil }
            current = Path.join(current, found)
        }
        return FileIO.resolvedKind(current) == .regular ? current : nil
    }

    // MARK: Writing

    /// What `enable` did for one configuration.
    public struct EnableResult: Sendable {
        public var target: Target
        public var format: UcodeFormat
        public var microcode: String
        public var microcodeWritten: Bool
        public var microcodeSize: Int
        public var changes: [XenEFIConfig.Change]
        public var configWritten: Bool
        /// early-ucode's microcode files no configuration names any more
        /// (the other format's, after the Xen image changed), removed.
        public var removed: [String]
        /// Vendors selected but not in a raw file, with why: one sentence.
        public var leftOut: String?
        public var notes: [String]
    }

    /// Writes the microcode `target`'s Xen reads (`selection`, as `build`
    /// selects) beside the configuration, then the configuration with a
    /// `ucode=` line naming it in each section that boots Xen (the old
    /// configuration kept as `CONFIG.early-ucode.bak`). Everything already
    /// as wanted is left alone: a second run writes nothing.
    public static func enable(_ target: Target, config: XenEFIConfig, selection: Selection, mtime: Int,
                              preferredVendor: Vendor?) throws -> EnableResult {
        let format = target.format
        let archive = EarlyArchive(selection: selection, mtime: mtime)
        var notes: [String] = []
        var leftOut: String?
        let payload: [UInt8]
        switch format {
        case .cpio:
            payload = try archive.bytes()
        case .raw:
            let vendors = archive.members.map(\.vendor)
            let chosen = vendors.count > 1 ? (preferredVendor.flatMap { vendors.contains($0) ? $0 : nil } ?? .intel) : vendors.first
            guard let chosen, let member = archive.members.first(where: { $0.vendor == chosen }) else { throw EFIWriteError.nothingSelected }
            payload = member.chunks.flatMap { $0 }
            if let other = vendors.first(where: { $0 != chosen }) {
                let omitted = other == .intel
                    ? selection.intel.map { "\(Hex.short($0.revision)) for \($0.signatures.map(\.signature.description).joined(separator: ","))" }
                    : selection.amd.flatMap { container in container.patches.map { patch in
                        "\(Hex.short(patch.patchID)) for " + container.equivalenceTable.filter { $0.equivalenceID == patch.processorRevisionID }
                            .map(\.installedCPU.description).joined(separator: ",")
                    } }
                leftOut = "\(target.xenNames) reads ucode= as one raw vendor file (a cpio only from Xen 4.20.3, 4.21.1, 4.22): "
                    + "wrote \(chosen.rawValue).bin's \(chosen == .intel ? "updates" : "patches"), left out \(other.rawValue).bin's \(other == .intel ? "updates" : "patches") (\(omitted.joined(separator: "; "))); "
                    + "pass --vendor \(other.shortName) to write those instead"
            }
        }
        for image in target.images where image.hasUcodeSection {
            notes.append("\(image.path) carries a .ucode section of its own, which it loads instead of ucode= (a unified xen.efi)")
        }
        if target.images.contains(where: { $0.version == nil }) || target.images.isEmpty {
            notes.append("\(target.config): the Xen reading it is of unknown version, so a raw file (which every release reads) is written")
        }

        // The configuration's mode for new files: on a FAT ESP every file
        // has the mount's mode, and vfat refuses any other (fat_setattr()).
        var info = stat()
        let mode: mode_t = stat(target.config, &info) == 0 ? info.st_mode & 0o777 : 0o644
        let path = target.microcodePath
        var microcodeWritten = false
        if (try? FileIO.read(path, limit: FileIO.defaultReadLimit)) != payload {
            try AtomicFile.write(to: path, options: AtomicFile.Options(mode: mode)) { sink in try sink.write(payload[...]) }
            microcodeWritten = true
        }
        let (bytes, changes) = config.enabling(file: format.fileName)
        let written = try replace(config, with: bytes, mode: mode, backup: target.backupPath)
        let removed = try removeUnreferenced(in: target.directory)
        return EnableResult(target: target, format: format, microcode: path, microcodeWritten: microcodeWritten, microcodeSize: payload.count,
                            changes: changes, configWritten: written, removed: removed, leftOut: leftOut, notes: notes)
    }

    /// What `disable` did for one configuration.
    public struct DisableResult: Sendable {
        public var target: Target
        public var changes: [XenEFIConfig.Change]
        public var configWritten: Bool
        public var removed: [String]
    }

    /// Takes early-ucode's `ucode=` lines out of the configuration (a line
    /// they replaced is put back), keeping the old configuration as the
    /// backup, then removes the microcode files no configuration in that
    /// folder names any more.
    public static func disable(_ target: Target, config: XenEFIConfig) throws -> DisableResult {
        var info = stat()
        let mode: mode_t = stat(target.config, &info) == 0 ? info.st_mode & 0o777 : 0o644
        let (bytes, changes) = config.disabling()
        let written = try replace(config, with: bytes, mode: mode, backup: target.backupPath)
        let removed = try removeUnreferenced(in: target.directory)
        // The lock files of what disable wrote: early-ucode leaves nothing of its own but the backup.
        if written {
            try AtomicFile.removeLock(for: target.config)
            try AtomicFile.removeLock(for: target.backupPath)
        }
        return DisableResult(target: target, changes: changes, configWritten: written, removed: removed)
    }

    /// Replaces the configuration with `bytes` unless it holds them: under
    /// its lock, and only if the file is still what was read, a copy of the
    /// old one at `backup` (FAT has no hard links, so AtomicFile's link
    /// backup cannot be used), then the new one. A configuration changed
    /// since it was read is left, and so is the previous backup.
    static func replace(_ config: XenEFIConfig, with bytes: [UInt8], mode: mode_t, backup: String) throws -> Bool {
        guard bytes != config.bytes else { return false }
        try AtomicFile.write(to: config.path, options: AtomicFile.Options(mode: mode)) { sink in
            // An editor's save since it was read must not be lost.
            guard (try? FileIO.read(config.path, limit: XenEFIConfig.sizeLimit)) == config.bytes else {
                throw InputError(path: config.path, .efi(.configChangedWhileEditing))
            }
            try AtomicFile.write(to: backup, options: AtomicFile.Options(mode: mode)) { backupSink in try backupSink.write(config.bytes[...]) }
            try sink.write(bytes[...])
        }
        return true
    }

    /// Removes early-ucode's microcode files in `folder` that no
    /// configuration there names (a configuration that does not read
    /// counts as naming them all), with their lock files.
    static func removeUnreferenced(in folder: String) throws(FileError) -> [String] {
        let names = (try? FileIO.entries(of: folder)) ?? []
        var named: Set<String> = []
        for name in names where name.lowercased().hasSuffix(".cfg") {
            guard let config = try? XenEFIConfig.load(Path.join(folder, name)) else { return [] }
            named.formUnion(config.earlyUcodeFiles)
        }
        var removed: [String] = []
        for name in [cpioName, rawName] where names.contains(name) && !named.contains(name) {
            let path = Path.join(folder, name)
            guard FileIO.kind(path) == .regular else { continue }
            try AtomicFile.remove(path)
            removed.append(path)
        }
        return removed
    }
}

/// `efi enable` with nothing to write (never reached from the CLI, which
/// stops earlier when nothing is selected).
public enum EFIWriteError: Error, Sendable, CustomStringConvertible {
    case nothingSelected

    public var description: String { "no microcode applies to the selected CPUs; nothing written" }
}
