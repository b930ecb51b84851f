#if canImport(Glibc)
import Glibc
#endif

/// Replaces the early microcode of an initrd: a new early archive first,
/// the other early archives (ACPI tables, firmware) kept, microcode taken
/// out of them so nothing is shadowed, and everything from the first part
/// after the early archives on (every uncompressed cpio that is not early,
/// the compressed archive) copied byte for byte.
///
/// The image is read under the output's lock, the result is written to
/// `OUT.tmp`, read back and compared with what was meant, synced, and only
/// then renamed into place (the old image kept as `OUT.bak`).
public enum ImageRebuild {
    public struct Options: Sendable {
        /// Where to write; nil: in place.
        public var output: String?
        /// Keep the replaced file as `OUT.bak`.
        public var keepBackup: Bool

        public init(output: String? = nil, keepBackup: Bool = true) {
            self.output = output
            self.keepBackup = keepBackup
        }
    }

    public struct Result: Sendable {
        public var output: String
        /// False when nothing needed to change (then nothing was written).
        public var changed: Bool
        /// Why nothing changed.
        public var unchangedReason: String?
        public var oldSize: Int
        public var size: Int
        /// The new early microcode archive's size (0 with --none).
        public var newArchiveSize: Int
        public var placements: [EarlyArchive.Placement]
        /// Microcode members taken out of early archives: name and header offset.
        public var removed: [(name: String, offset: Int)]
        public var kept: Int
        public var rewritten: Int
        public var dropped: Int
        public var oldMain: MainPart
        public var main: MainPart
        /// Every part after the early archives, before and after (moved, byte for byte).
        public var oldParts: [TailPart]
        public var parts: [TailPart]
        /// The backup of the replaced file, when one was kept.
        public var backup: String?
        public var notes: [String]
    }

    /// Rebuilds `path` with `archive` (nil: only remove early microcode).
    public static func run(image path: String, archive: EarlyArchive?, options: Options = Options()) throws -> Result {
        let output = options.output ?? path
        let newBytes = try archive?.bytes() ?? []
        let placements = archive?.placements ?? []
        let backupPath = options.keepBackup ? output + ".bak" : nil
        let outputExisted = FileIO.kind(output) == .regular
        // Only in place may "nothing to change" mean "write nothing": -o OUT always gets its file.
        let inPlace = output == path || sameFile(output, path)
        var result: Result?
        do {
            try AtomicFile.write(to: output, options: AtomicFile.Options(backupPath: backupPath)) { (sink: inout DescriptorSink) throws -> Void in
                // Read under the lock, so two runs on one image cannot interleave.
                let file = try ImageFile(path: path)
                let image = try BootImage.read(file)
                let notes = try checkUnderstood(image, file)
                let actions = try plan(image)
                let removed = zip(image.earlyArchives, actions).flatMap { archive, action in
                    action == .keep ? [] : microcodeMembers(of: archive).filter(\.isRegularFile).map { ($0.name, $0.offset) }
                }
                // Zero padding after the early part is not content: the rest starts where the main part does.
                var layout = Layout(newArchive: newBytes, restStart: image.main.offset)
                for (archive, action) in zip(image.earlyArchives, actions) {
                    switch action {
                    case .keep: layout.segments.append(.copy(archive.offset..<archive.end))
                    case .drop: break
                    case .rewrite(let members): layout.segments.append(.rewrite(members))
                    }
                }
                var base = Result(output: output, changed: false, unchangedReason: nil, oldSize: file.size, size: file.size,
                                  newArchiveSize: newBytes.count, placements: placements, removed: removed,
                                  kept: actions.filter { $0 == .keep }.count,
                                  rewritten: actions.filter { if case .rewrite = $0 { true } else { false } }.count,
                                  dropped: actions.filter { $0 == .drop }.count,
                                  oldMain: image.main, main: image.main, oldParts: image.parts, parts: image.parts,
                                  backup: nil, notes: notes)
                if inPlace && archive == nil && removed.isEmpty && base.dropped == 0 && base.rewritten == 0 {
                    base.unchangedReason = "no early microcode in the image: nothing to remove"
                    throw Unchanged(result: base)
                }
                if newBytes.isEmpty && layout.segments.isEmpty && layout.restStart >= file.size {
                    throw InputError(path: path, .image(.onlyEarlyMicrocode))
                }
                if try inPlace && layout.reproduces(file) {
                    base.unchangedReason = "the image already starts with exactly this early archive"
                    throw Unchanged(result: base)
                }

                var written = try layout.write(from: file, to: sink)
                written.main = MainPart(offset: written.restOffset, kind: image.main.kind)
                written.parts = image.parts.map { $0.moved(by: written.restOffset - layout.restStart) }
                try verify(sink.path, written: written, placements: placements)
                // A tool that replaced or rewrote the image meanwhile must not be overwritten with the old contents.
                guard file.isUnchangedOnDisk else {
                    throw InputError(path: path, .image(.changedWhileRebuilt))
                }
                base.changed = true
                base.size = written.size
                base.main = written.main
                base.parts = written.parts
                result = base
            }
        } catch let unchanged as Unchanged {
            return unchanged.result
        }
        guard var result else { throw InputError(path: path, .image(.noResult)) }
        if let backupPath, outputExisted { result.backup = backupPath }
        return result
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat()
        var second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    struct Unchanged: Error {
        var result: Result
    }
}
