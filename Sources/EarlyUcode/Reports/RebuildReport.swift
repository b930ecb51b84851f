// The report of `rebuild` (text and --json). Field names and meanings are
// documented in docs/json.md; add fields, never rename or remove them.

/// A microcode member `rebuild` took out of an early archive.
public struct RemovedMemberReport: Encodable, Sendable, Equatable {
    public var name: String
    /// Its header offset in the image read.
    public var offset: Int
}

/// The early microcode archive `rebuild` puts at offset 0, as `build`
/// reports the archive it writes.
public struct NewArchiveReport: Encodable, Sendable, Equatable {
    public var size: Int
    public var mtime: Int
    public var members: [MemberReport]
    public var updates: [UpdateReport]
}

/// What `rebuild` did to an image (text and --json).
public struct RebuildReport: Encodable, Sendable {
    /// The image read.
    public var image: String
    /// Where the rebuilt image goes: IMAGE, or -o OUT. Written only when `changed`.
    public var output: String
    public var changed: Bool
    /// Why nothing was written, when nothing was.
    public var reason: String?
    /// The image's size, and the rebuilt one's (equal when unchanged);
    /// absent when the image was not read (no microcode applies).
    public var oldSize: Int?
    public var size: Int?
    /// The new early microcode archive; absent with --none.
    public var newArchive: NewArchiveReport?
    /// Microcode members taken out of the other early archives.
    public var removed: [RemovedMemberReport]
    /// The other early archives: kept byte for byte, rewritten without their
    /// microcode, dropped (nothing but microcode in them).
    public var keptArchives: Int
    public var rewrittenArchives: Int
    public var droppedArchives: Int
    /// The main part in the rebuilt image, and where it was in the old one.
    public var main: MainPartReport?
    public var oldMain: MainPartReport?
    /// Every part after the early archives (Debian 13: an uncompressed cpio
    /// of compressed modules and firmware, then the compressed main
    /// archive), each copied byte for byte: where it is now and was before.
    public var parts: [RebuiltPartReport] = []
    /// The replaced image, kept as IMAGE.bak.
    public var backup: String?
    public var invalidFiles: [FileProblemReport]
    public var notes: [String]

    /// The report of a rebuild that ran; `plan` is nil with --none.
    public init(image: String, result: ImageRebuild.Result, plan: BuildJob.Plan?) {
        self.image = image
        output = result.output
        changed = result.changed
        reason = result.changed ? nil : (result.unchangedReason ?? "nothing to do")
        oldSize = result.oldSize
        size = result.size
        newArchive = plan.map { Self.newArchive($0, size: result.newArchiveSize) }
        removed = result.removed.map { RemovedMemberReport(name: $0.name, offset: $0.offset) }
        keptArchives = result.kept
        rewrittenArchives = result.rewritten
        droppedArchives = result.dropped
        main = MainPartReport(result.main)
        oldMain = MainPartReport(result.oldMain)
        parts = zip(result.parts, result.oldParts).map { part, old in
            RebuiltPartReport(kind: part.asMain.code, offset: part.offset, oldOffset: old.offset, size: part.size)
        }
        backup = result.backup
        invalidFiles = plan?.catalog.invalid.map(FileProblemReport.init) ?? []
        notes = result.notes + (plan?.selection.notes ?? [])
    }

    /// No microcode applies to the selected CPUs: the image is not read,
    /// nothing is written.
    public init(image: String, output: String, nothingApplies plan: BuildJob.Plan) {
        self.image = image
        self.output = output
        changed = false
        reason = "no microcode applies to the selected CPUs"
        removed = []
        keptArchives = 0
        rewrittenArchives = 0
        droppedArchives = 0
        invalidFiles = plan.catalog.invalid.map(FileProblemReport.init)
        notes = plan.selection.notes
    }

    static func newArchive(_ plan: BuildJob.Plan, size: Int) -> NewArchiveReport {
        let built = plan.report(output: nil, size: size)
        return NewArchiveReport(size: size, mtime: built.mtime, members: built.members, updates: built.updates)
    }

    /// What `rebuild` prints without --json (notes go to standard error).
    public var lines: [String] {
        guard changed else { return ["\(output): unchanged: \(reason ?? "nothing to do")"] }
        var out = ["rebuilt \(output): \(size ?? 0) bytes (was \(oldSize ?? 0))"]
        if let newArchive {
            out.append("  new early archive: \(newArchive.size) bytes at offset 0")
            for member in newArchive.members {
                let count = newArchive.updates.filter { ($0.vendor == "intel") == member.name.hasSuffix("GenuineIntel.bin") }.count
                out.append("    \(member.name): \(count) update\(count == 1 ? "" : "s"), \(member.size) bytes at offset \(member.dataOffset)")
            }
        }
        for member in removed { out.append("  removed \(member.name) (was at offset \(member.offset))") }
        if keptArchives > 0 { out.append("  kept \(keptArchives) other early archive\(keptArchives == 1 ? "" : "s") byte for byte") }
        if rewrittenArchives > 0 {
            out.append("  rewrote \(rewrittenArchives) early archive\(rewrittenArchives == 1 ? " without its" : "s without their") microcode")
        }
        if droppedArchives > 0 { out.append("  dropped \(droppedArchives) early microcode archive\(droppedArchives == 1 ? "" : "s")") }
        if parts.count > 1 {
            // Debian 13: an uncompressed cpio of compressed modules and firmware, then the compressed main archive.
            out.append("  after the early part, \(parts.count) parts copied byte for byte:")
            for part in parts {
                out.append("    \(part.kind == "uncompressed-cpio" ? "uncompressed cpio" : part.kind) at offset \(part.offset) (was at \(part.oldOffset)), \(part.size) bytes")
            }
        } else if let main, let offset = main.offset {
            out.append("  main archive: \(main.kind == "uncompressed-cpio" ? "uncompressed cpio" : main.kind) at offset \(offset) (was at \(oldMain?.offset ?? 0)), copied byte for byte")
        } else {
            out.append("  main archive: none")
        }
        if let backup { out.append("  old image kept as \(backup)") }
        return out
    }
}

extension MainPartReport {
    init(_ part: MainPart) {
        self.init(kind: part.code, offset: part.kind == .nothing ? nil : part.offset)
    }
}

/// One part after the early archives, in the rebuilt image.
public struct RebuiltPartReport: Encodable, Sendable, Equatable {
    /// uncompressed-cpio, or gzip, bzip2, lzma, xz, lzo, lz4, zstd.
    public var kind: String
    public var offset: Int
    /// Where it was in the old image.
    public var oldOffset: Int
    public var size: Int
}
