#if canImport(Glibc)
import Glibc
#endif

/// Replaces the early microcode of an initrd: a new early archive first,
/// the other early archives (ACPI tables, firmware) kept, microcode taken
/// out of them so nothing is shadowed, and everything from the main archive
/// on copied byte for byte.
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

    /// What to do with one early archive.
    public enum ArchiveAction: Sendable, Equatable {
        /// No microcode in it: copied byte for byte.
        case keep
        /// Only microcode and folders: left out.
        case drop
        /// Microcode and other things: written again without the microcode.
        case rewrite(keeping: [CPIOMember])
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
                                  oldMain: image.main, main: image.main, backup: nil, notes: notes)
                if inPlace && archive == nil && removed.isEmpty && base.dropped == 0 && base.rewritten == 0 {
                    base.unchangedReason = "no early microcode in the image: nothing to remove"
                    throw Unchanged(result: base)
                }
                if newBytes.isEmpty && layout.segments.isEmpty && layout.restStart >= file.size {
                    throw InputError(path: path, reason: "the image holds nothing but early microcode: removing it would leave no initrd; refusing")
                }
                if try inPlace && layout.reproduces(file) {
                    base.unchangedReason = "the image already starts with exactly this early archive"
                    throw Unchanged(result: base)
                }

                var written = try layout.write(from: file, to: &sink)
                written.main = MainPart(offset: written.restOffset, kind: image.main.kind)
                try verify(sink.path, layout: layout, written: written, source: file, image: image, placements: placements)
                // A tool that replaced or rewrote the image meanwhile must not be overwritten with the old contents.
                guard file.isUnchangedOnDisk else {
                    throw InputError(path: path, reason: "the image changed while it was rebuilt; nothing written, run again")
                }
                base.changed = true
                base.size = written.size
                base.main = written.main
                result = base
            }
        } catch let unchanged as Unchanged {
            return unchanged.result
        }
        guard var result else { throw InputError(path: path, reason: "internal error: no result") }
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

    // MARK: Understanding the front

    /// Refuses images whose front this tool does not fully understand.
    static func checkUnderstood(_ image: BootImage, _ file: ImageFile) throws(InputError) -> [String] {
        switch image.kind {
        case .empty:
            throw InputError(path: image.path, reason: "the file is empty, not an initrd; refusing to rebuild it")
        case .bareBlob(let vendor):
            throw InputError(path: image.path, offset: 0, reason:
                "a bare \(vendor.rawValue) microcode blob, not an initrd (cpio); refusing to rebuild it (use build to write an early archive)")
        case .initrd:
            break
        }
        var notes: [String] = []
        if case .compressed(let compression) = image.main.kind {
            switch CompressedPeek.peek(file, at: image.main.offset) {
            case .microcodeInside(let name):
                throw InputError(path: image.path, offset: image.main.offset, reason:
                    "the \(compression.rawValue) archive here holds \(name): an early part that was compressed, which no early loader reads; refusing to rebuild an image laid out like this")
            case .unreadable(let why):
                notes.append("the \(compression.rawValue) archive at offset \(image.main.offset) could not be looked into (\(why)); it is kept byte for byte")
            case .mainArchive:
                break
            }
        }
        for member in image.microcode where !member.isEarly {
            notes.append("the uncompressed main archive holds \(member.member.name) (offset \(member.member.offset)); it is left as it is")
        }
        return notes
    }

    /// Members inside `kernel/x86/microcode/`: the vendor files, old copies
    /// of them, alignment padding. Nothing else lives there.
    static func microcodeMembers(of archive: CPIOArchive) -> [CPIOMember] {
        archive.members.filter { isInMicrocodeFolder($0) }
    }

    static func isInMicrocodeFolder(_ member: CPIOMember) -> Bool {
        BootImage.strippingDotSlash(member.nameBytes).starts(with: "kernel/x86/microcode/".utf8)
    }

    /// Decides, per early archive, keep / drop / rewrite.
    static func plan(_ image: BootImage) throws(InputError) -> [ArchiveAction] {
        try image.earlyArchives.map { (archive: CPIOArchive) throws(InputError) -> ArchiveAction in
            let remaining = archive.members.filter { !isInMicrocodeFolder($0) }
            if remaining.count == archive.members.count { return .keep }
            let meaningful = remaining.filter { member in
                let name = BootImage.strippingDotSlash(member.nameBytes)
                return !member.isDirectory && !name.elementsEqual("early_cpio".utf8)
            }
            if meaningful.isEmpty { return .drop }
            for member in remaining {
                guard member.isDirectory || member.isRegularFile else {
                    throw InputError(path: image.path, offset: member.offset, reason:
                        "\(member.name) shares an archive with microcode and is neither a file nor a folder; refusing to rewrite that archive")
                }
                guard !member.isRegularFile || member.links <= 1 else {
                    throw InputError(path: image.path, offset: member.offset, reason:
                        "\(member.name) shares an archive with microcode and is a hard link; refusing to rewrite that archive")
                }
                guard String(validating: member.nameBytes, as: UTF8.self) != nil else {
                    throw InputError(path: image.path, offset: member.offset, reason:
                        "a member name that is not UTF-8 shares an archive with microcode; refusing to rewrite that archive")
                }
            }
            return .rewrite(keeping: remaining)
        }
    }

    // MARK: Writing

    /// The new image: the new archive, then segments, then the rest.
    struct Layout {
        enum Segment {
            case copy(Range<Int>)
            case rewrite([CPIOMember])
        }

        var newArchive: [UInt8]
        var segments: [Segment] = []
        /// Where, in the old image, the kept rest begins.
        var restStart: Int

        init(newArchive: [UInt8], restStart: Int) {
            self.newArchive = newArchive
            self.restStart = restStart
        }

        /// True when writing would produce the file as it is: a second run
        /// must not replace the backup with an identical image.
        func reproduces(_ file: ImageFile) throws(InputError) -> Bool {
            var position = newArchive.count
            for segment in segments {
                guard case .copy(let range) = segment, range.lowerBound == position else { return false }
                position = range.upperBound
            }
            guard position == restStart else { return false }
            return try file.read(at: 0, count: newArchive.count) == newArchive
        }

        struct Written {
            var size: Int
            /// Where each segment landed in the new image.
            var segmentOffsets: [Int]
            var restOffset: Int
            var main = MainPart(offset: 0, kind: .nothing)
        }

        func write(from file: ImageFile, to sink: inout DescriptorSink) throws -> Written {
            var counter = CountingSink(inner: sink)
            try counter.write(newArchive[...])
            var offsets: [Int] = []
            for segment in segments {
                offsets.append(counter.count)
                switch segment {
                case .copy(let range):
                    try file.copy(range, to: &counter)
                case .rewrite(let members):
                    try rewrite(members, from: file, to: &counter)
                }
            }
            let restOffset = counter.count
            try file.copy(restStart..<file.size, to: &counter)
            return Written(size: counter.count, segmentOffsets: offsets, restOffset: restOffset)
        }

        /// The archive again, minus its microcode, through libarchive; data
        /// streamed from the image.
        private func rewrite(_ members: [CPIOMember], from file: ImageFile, to sink: inout CountingSink) throws {
            let target = SinkTarget(sink)
            try LibArchiveWriter.withNewc(target) { writer in
                for (index, member) in members.enumerated() {
                    try writer.header(name: member.name, mode: member.mode, inode: index + 1, links: member.isDirectory ? max(member.links, 2) : 1,
                                      mtime: Int(member.mtime), size: member.isRegularFile ? member.dataSize : 0,
                                      uid: Int(member.uid), gid: Int(member.gid))
                    guard member.isRegularFile else { continue }
                    var offset = member.dataOffset
                    while offset < member.dataOffset + member.dataSize {
                        let chunk = try file.read(at: offset, count: min(ImageFile.copyChunk, member.dataOffset + member.dataSize - offset))
                        guard !chunk.isEmpty else { throw InputError(path: file.path, offset: offset, reason: "file shrank while it was read") }
                        try writer.data(chunk[...])
                        offset += chunk.count
                    }
                }
            }
            sink.count += target.count
        }
    }

    // MARK: Checking what was written

    /// Reads the written file back: its front must walk, hold exactly the
    /// new microcode where planned and no other early microcode, and every
    /// copied byte must equal its source.
    static func verify(_ path: String, layout: Layout, written: Layout.Written, source: ImageFile, image: BootImage,
                       placements: [EarlyArchive.Placement]) throws {
        func fail(_ what: String) -> InputError {
            InputError(path: path, reason: "check of the written image failed (\(what)); nothing replaced")
        }
        let file = try ImageFile(path: path)
        guard file.size == written.size else { throw fail("\(file.size) bytes written, \(written.size) meant") }
        let check = try BootImage.read(file)
        guard check.kind == .initrd || (check.kind == .empty && written.size == 0) else { throw fail("it is not an initrd") }
        let early = check.microcode.filter(\.isEarly)
        guard early.count == placements.count else { throw fail("\(early.count) early microcode members, \(placements.count) meant") }
        for placement in placements {
            guard early.contains(where: { $0.member.name == placement.name && $0.member.dataOffset == placement.dataOffset
                && $0.member.dataSize == placement.size && $0.isUsed && $0.archiveIndex == 0 }) else {
                throw fail("\(placement.name) is not at offset \(placement.dataOffset)")
            }
        }
        guard check.main == written.main else { throw fail("main part is \(check.main.description), meant \(written.main.description)") }
        guard try file.read(at: 0, count: layout.newArchive.count) == layout.newArchive else { throw fail("the new archive's bytes differ") }
        for (segment, offset) in zip(layout.segments, written.segmentOffsets) {
            if case .copy(let range) = segment, let at = try source.firstDifference(range, in: file, at: offset) {
                throw fail("byte \(at) of the old image was not copied faithfully")
            }
        }
        if let at = try source.firstDifference(layout.restStart..<source.size, in: file, at: written.restOffset) {
            throw fail("byte \(at) of the old image was not copied faithfully")
        }
    }
}
