#if canImport(Glibc)
import Glibc
#endif

/// GRUB 2.12's early file: the archive lives in `/boot/early_ucode.cpio`,
/// beside the initrds instead of inside them. GRUB's `10_linux` puts the
/// early files it finds in /boot first on each Linux entry's `initrd` line;
/// 2.12's `20_linux_xen` loads the real initrd first (module 1, dom0's) and
/// then one `module2 --nounzip` per early file, where Xen's `ucode=scan`
/// finds the archive. A microcode or configuration change then rewrites one
/// file (`update`); no initrd is regenerated.
///
/// Never in both places: while the mode is on (the marker file exists),
/// the initramfs-tools hook and the dracut module leave their archive out
/// of the images they write (they test for `markerPath`, see
/// hooks/initramfs-tools/early-ucode and hooks/dracut/), and `check` flags
/// an image that still carries microcode.
///
/// GRUB 2.04-2.06 write the early files and the real initrd on one
/// `module2` line, so dom0 would boot with the archive as its initrd:
/// `enable` refuses there, telling the script's kind by its text as
/// `check` does (`ReadinessCheck.grubPutsEarlyInitrdsOnOneLine`).
public struct EarlyFile: Sendable, Equatable {
    /// A name in GRUB's `GRUB_EARLY_INITRD_LINUX_STOCK` (and dracut's
    /// `early_microcode_image_name`).
    public static let name = "early_ucode.cpio"
    /// The marker the hooks test for; the hooks spell the same path.
    public static let defaultMarker = "/var/lib/early-ucode/early-file"
    static let markerHeader = "# early-ucode: early-file mode, set by 'early-ucode early-file enable'; removed by 'early-ucode early-file disable'."

    /// The folder GRUB's scripts find kernels and early files in.
    public var bootDirectory: String
    public var markerPath: String
    /// GRUB's Xen script, read to tell 2.12 from 2.04-2.06.
    public var grubXenScript: String
    /// The folder `enable` records in the marker, so `update` (run by the
    /// hooks, without options) finds it; nil: the default /boot, recorded
    /// as nothing (so a root prepared below another folder stays right).
    public var recordedBootDirectory: String?

    public var path: String { Path.join(bootDirectory, Self.name) }

    public init(bootDirectory: String, markerPath: String, grubXenScript: String, recordedBootDirectory: String? = nil) {
        self.bootDirectory = bootDirectory
        self.markerPath = markerPath
        self.grubXenScript = grubXenScript
        self.recordedBootDirectory = recordedBootDirectory
    }

    // MARK: - GRUB

    /// Throws, naming the script (or the defaults line), when GRUB would
    /// not load the early file or would break Xen's entries with it.
    public func checkGrub(defaults: GrubDefaults?) throws(InputError) {
        switch FileIO.resolvedKind(grubXenScript) {
        case .regular: break
        case .missing: throw InputError(path: grubXenScript, .grub(.noXenScript))
        default: throw InputError(path: grubXenScript, .file(.notRegularFile))
        }
        if ReadinessCheck.grubPutsEarlyInitrdsOnOneLine(grubXenScript) {
            throw InputError(path: grubXenScript, .grub(.earlyFilesOnInitrdLine))
        }
        let text: [UInt8]
        do { text = try FileIO.read(grubXenScript, limit: 1 << 20) } catch { throw InputError(error) }
        guard String(decoding: text, as: UTF8.self).contains("GRUB_EARLY_INITRD_LINUX_STOCK") else {
            throw InputError(path: grubXenScript, .grub(.noEarlyInitrdSupport))
        }
        if let stock = defaults?.earlyInitrdStock, !stock.split(separator: " ").contains(Substring(Self.name)) {
            let setAt = defaults?.earlyInitrdStockSetAt ?? "/etc/default/grub"
            throw InputError(path: String(setAt.prefix { $0 != ":" }), .grub(.earlyFileNameNotListed(name: Self.name, setAt: setAt)))
        }
    }

    // MARK: - The mode

    /// The marker's settings; nil when the mode is off.
    public struct Marker: Sendable, Equatable {
        /// Nil: the default /boot.
        public var bootDirectory: String?
    }

    public func marker() throws(InputError) -> Marker? {
        guard FileIO.kind(markerPath) != .missing else { return nil }
        let bytes: [UInt8]
        do { bytes = try FileIO.read(markerPath, limit: 1 << 16) } catch { throw InputError(error) }
        var boot: String?
        for (index, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("boot-dir=/") else {
                throw InputError(path: markerPath, line: index + 1, .grub(.badEarlyFileMarker(String(line))))
            }
            boot = String(line.dropFirst("boot-dir=".count))
        }
        return Marker(bootDirectory: boot)
    }

    static func markerText(bootDirectory: String?) -> String {
        """
        \(markerHeader)
        # GRUB loads \(Path.join(bootDirectory ?? "/boot", name)) before each Linux entry's initrd and after
        # each Xen entry's; early-ucode's initramfs-tools hook and dracut module leave the
        # archive out of the images while this file exists.

        """ + (bootDirectory.map { "boot-dir=\($0)\n" } ?? "")
    }

    /// What `enable`, `update` and `disable` did to each file.
    public enum Change: Sendable, Equatable {
        case written(size: Int)
        case unchanged
        case removed
        /// No archive to write (EARLY_UCODE=no, or no microcode for the
        /// CPUs), and none was there.
        case nothingToWrite
    }

    public struct Outcome: Sendable, Equatable {
        public var marker: Change
        public var file: Change
    }

    /// Turns the mode on and writes `archive` (nil: none, and ours is
    /// removed). The marker comes first: were the run cut short in between,
    /// the hooks already leave the archive out, and it is nowhere twice.
    public func enable(_ archive: [UInt8]?, defaults: GrubDefaults?) throws -> Outcome {
        try checkGrub(defaults: defaults)
        let current = try marker()
        let text = Self.markerText(bootDirectory: recordedBootDirectory)
        var markerChange = Change.unchanged
        let existing = FileIO.kind(markerPath) == .regular ? try? FileIO.read(markerPath, limit: 1 << 16) : nil
        if current == nil || existing.map({ String(decoding: $0, as: UTF8.self) }) != text {
            let folder = Path.split(markerPath).directory
            if FileIO.kind(folder) == .missing, mkdir(folder, 0o755) != 0 {
                throw FileError.errno(folder, .create)
            }
            try AtomicFile.write(to: markerPath) { (sink: inout DescriptorSink) throws -> Void in
                try sink.write(Array(text.utf8)[...])
            }
            markerChange = .written(size: text.utf8.count)
        }
        return Outcome(marker: markerChange, file: try write(archive))
    }

    /// Rewrites the early file when the mode is on and it differs from
    /// `archive`; nil when the mode is off (nothing done).
    public func update(_ archive: [UInt8]?) throws -> Change? {
        guard try marker() != nil else { return nil }
        return try write(archive)
    }

    /// Removes the marker, then our early file: the images get the archive
    /// again from the next update-initramfs (or dracut) on. In this order
    /// a stop in between leaves the archive in two places (the same one
    /// twice), never in none.
    public func disable() throws -> Outcome {
        // Another tool's file is refused before anything is changed.
        if let origin = try fileOrigin() {
            guard case .earlyUcode = origin else { throw FileError(path: path, .notWrittenByUs) }
        }
        var markerChange = Change.unchanged
        if FileIO.kind(markerPath) != .missing {
            try AtomicFile.remove(markerPath)
            markerChange = .removed
        }
        return Outcome(marker: markerChange, file: try removeOurs())
    }

    /// Whether the early file is there, and whose.
    public func fileOrigin() throws(InputError) -> ArchiveOrigin? {
        switch FileIO.kind(path) {
        case .missing: return nil
        case .regular: return try ArchiveOrigin.front(of: path)
        default: throw InputError(path: path, .file(.existsNotRegularLeftAlone))
        }
    }

    /// Writes `archive` unless the file already holds exactly it; refuses
    /// to replace a file another tool wrote.
    func write(_ archive: [UInt8]?) throws -> Change {
        guard let archive else { return try removeOurs() == .removed ? .removed : .nothingToWrite }
        if let origin = try fileOrigin() {
            guard case .earlyUcode = origin else { throw FileError(path: path, .notWrittenByUs) }
            if (try? FileIO.read(path, limit: archive.count + 1)) == archive { return .unchanged }
        }
        try AtomicFile.write(to: path) { (sink: inout DescriptorSink) throws -> Void in
            try sink.write(archive[...])
        }
        return .written(size: archive.count)
    }

    /// Removes the early file when it is ours; another tool's stays.
    func removeOurs() throws -> Change {
        guard let origin = try fileOrigin() else { return .unchanged }
        guard case .earlyUcode = origin else { throw FileError(path: path, .notWrittenByUs) }
        try AtomicFile.remove(path)
        return .removed
    }
}

/// Whose early microcode is at the front of a file: an initrd, the early
/// file, a Boot Loader Spec entry's first initrd.
public enum ArchiveOrigin: Sendable, Equatable {
    /// An archive as early-ucode's writer lays it out (`EarlyArchive`):
    /// `kernel`, `kernel/x86`, `kernel/x86/microcode`, then per vendor an
    /// optional `kernel/x86/microcode/.align.VENDOR_...` folder and the
    /// vendor's `.bin`, owned by root; `size` bytes up to its trailer.
    case earlyUcode(size: Int, vendors: [Vendor])
    /// Early microcode in another layout (dracut's, Debian's hooks', iucode_tool's).
    case otherMicrocode
    /// No microcode in the early archives at the front.
    case noMicrocode

    public static func front(of path: String) throws(InputError) -> ArchiveOrigin {
        let image = try BootImage.read(try ImageFile(path: path))
        if image.kind != .initrd && image.kind != .empty { return image.microcode.isEmpty ? .noMicrocode : .otherMicrocode }
        guard let first = image.earlyArchives.first, first.offset == 0 else {
            return image.microcode.contains { $0.isEarly } ? .otherMicrocode : .noMicrocode
        }
        if let vendors = earlyUcodeLayout(first) { return .earlyUcode(size: first.end, vendors: vendors) }
        return image.microcode.contains { $0.isEarly } ? .otherMicrocode : .noMicrocode
    }

    /// The vendors of `archive` when it is laid out as early-ucode writes:
    /// those names in that order, inodes numbered 1, 2, 3... (GNU cpio and
    /// the kernel tools write the files' own), each `.bin`'s data 16-byte
    /// aligned.
    static func earlyUcodeLayout(_ archive: CPIOArchive) -> [Vendor]? {
        for (index, member) in archive.members.enumerated() where member.inode != UInt32(index + 1) { return nil }
        var members = archive.members[...]
        for directory in EarlyArchive.directories {
            guard let member = members.popFirst(), member.name == directory, member.isDirectory else { return nil }
        }
        var vendors: [Vendor] = []
        while let member = members.popFirst() {
            guard member.uid == 0, member.gid == 0 else { return nil }
            if member.isDirectory, let vendor = Vendor.allCases.first(where: { member.name.hasPrefix("kernel/x86/microcode/.align." + $0.rawValue) }),
               member.name.dropFirst("kernel/x86/microcode/.align.".count + vendor.rawValue.count).allSatisfy({ $0 == "_" }),
               let next = members.first, next.name == vendor.archiveMember {
                continue
            }
            guard member.isRegularFile, let vendor = Vendor.allCases.first(where: { member.name == $0.archiveMember }),
                  !vendors.contains(vendor), vendors.allSatisfy({ $0 < vendor }),
                  member.dataOffset % EarlyArchive.dataAlignment == 0 else { return nil }
            vendors.append(vendor)
        }
        return vendors.isEmpty ? nil : vendors
    }
}

extension EarlyFile {
    /// What the early file should hold: the archive `build --config`
    /// writes from `config` (CPUs: `EARLY_UCODE`, else this host's plus
    /// `EARLY_UCODE_CPUS`), nil with the reason when there is none.
    public struct Wanted: Sendable {
        public var archive: [UInt8]?
        /// Why there is no archive, or notes about the selection.
        public var notes: [String]
        public var invalidFiles: [InputError]
    }

    public static func wanted(config: EarlyUcodeConfig, root: String, sourceDateEpoch: Int?, trust: SourceTrust?,
                              host: () throws -> [CPUTarget]) throws -> Wanted {
        guard let request = try config.request(for: SelectionChoice(), defaultScope: .auto, host: host) else {
            return Wanted(archive: nil, notes: ["EARLY_UCODE=no in \(config.origin)"], invalidFiles: [])
        }
        let sources = config.sources(commandLine: [], systemDefaults: MicrocodeSource.systemDefaults(under: root))
        let plan = try BuildJob(sources: sources, request: request, sourceDateEpoch: sourceDateEpoch, sourceTrust: trust,
                                checks: .whatCanBeWritten).plan()
        if plan.catalog.isEmpty { throw config.nothingFound(in: sources, commandLineNamedSources: false) }
        guard let archive = plan.archive else {
            return Wanted(archive: nil, notes: ["no microcode applies to the selected CPUs"] + plan.selection.notes,
                          invalidFiles: plan.catalog.invalid)
        }
        return Wanted(archive: try archive.bytes(), notes: plan.selection.notes, invalidFiles: plan.catalog.invalid)
    }
}
