// The report of `inspect` (text and --json). Field names
// and meanings are documented in docs/json.md; add fields, never rename or
// remove them.

public struct ArchiveMemberReport: Encodable, Sendable, Equatable {
    public var name: String
    /// Header offset in the image.
    public var offset: Int
    public var dataOffset: Int
    public var size: Int
    /// file, directory, symlink, other.
    public var type: String

    init(_ member: CPIOMember) {
        name = member.name
        offset = member.offset
        dataOffset = member.dataOffset
        size = member.dataSize
        type = switch member.fileType {
        case .regular: "file"
        case .directory: "directory"
        case .symlink: "symlink"
        case nil: "other"
        }
    }
}

public struct ArchiveReport: Encodable, Sendable, Equatable {
    public var offset: Int
    public var size: Int
    /// The members, `TRAILER!!!` excluded.
    public var members: [ArchiveMemberReport]
}

public struct MicrocodeMemberReport: Encodable, Sendable, Equatable {
    public var vendor: String
    /// The member's name; "(whole file)" for a bare blob.
    public var name: String
    /// Header offset (absent for a bare blob).
    public var offset: Int?
    public var dataOffset: Int
    public var size: Int
    /// The largest power of two (up to 4096) dividing `dataOffset`.
    public var dataAlignment: Int
    /// In an early archive (false: in an uncompressed main archive).
    public var early: Bool
    /// The member the loaders take for this vendor.
    public var used: Bool
    /// Header offset of the member used instead (this one is shadowed).
    public var shadowedBy: Int?
    public var updates: [UpdateReport]
    /// The first malformed byte, when there is one.
    public var problem: FileProblemReport?
}

public struct MainPartReport: Encodable, Sendable, Equatable {
    /// gzip, bzip2, lzma, xz, lzo, lz4, zstd, uncompressed-cpio, nothing.
    public var kind: String
    /// Absent when `kind` is nothing.
    public var offset: Int?
    /// A compressed archive that holds a microcode member near its start:
    /// its name (no early loader reads it).
    public var compressedMicrocode: String?
}

/// One part after the early archives, in image order: the uncompressed cpio
/// archives that are not early (on Debian 13, initramfs-tools 0.148's cpio
/// of already-compressed modules and firmware), then a compressed archive.
public struct PartReport: Encodable, Sendable, Equatable {
    /// uncompressed-cpio, or gzip, bzip2, lzma, xz, lzo, lz4, zstd.
    public var kind: String
    public var offset: Int
    /// A cpio: up to and including its trailer. Compressed: to the end of the file.
    public var size: Int
    // An uncompressed cpio only:
    /// Its members, the trailer excluded.
    public var members: Int?
    public var files: Int?
    public var directories: Int?
    /// Regular files named `*.ko`, `*.ko.xz`, `*.ko.zst`, `*.ko.gz`.
    public var kernelModules: Int?
    /// Other regular files under `lib/firmware/` or `usr/lib/firmware/`.
    public var firmwareFiles: Int?
    /// The first few regular files' names.
    public var firstNames: [String]?
    // A compressed archive only:
    /// A microcode member among its first names (no early loader reads it).
    public var compressedMicrocode: String?

    static let namesShown = 3
    static let moduleSuffixes = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]

    init(_ part: TailPart, in image: BootImage, peek: CompressedPeek.Result?) {
        kind = part.asMain.code
        offset = part.offset
        size = part.size
        if let archive = image.archive(of: part) {
            let regular = archive.members.filter(\.isRegularFile)
            let names = regular.map { String(decoding: BootImage.strippingDotSlash($0.nameBytes), as: UTF8.self) }
            members = archive.members.count
            files = regular.count
            directories = archive.members.filter(\.isDirectory).count
            let modules = names.filter { name in Self.moduleSuffixes.contains { name.hasSuffix($0) } }
            kernelModules = modules.count
            firmwareFiles = names.filter { name in
                (name.hasPrefix("lib/firmware/") || name.hasPrefix("usr/lib/firmware/")) && !Self.moduleSuffixes.contains { name.hasSuffix($0) }
            }.count
            firstNames = regular.prefix(Self.namesShown).map(\.name)
        } else if case .microcodeInside(let name) = peek {
            compressedMicrocode = name
        }
    }

    /// `uncompressed cpio at offset 1536: 7168 bytes, 14 members (2 kernel modules, 1 firmware file, 11 folders)`
    var line: String { title + ": " + (details ?? "") }

    /// `zstd at offset 8704`
    var title: String {
        kind == "uncompressed-cpio" ? "uncompressed cpio at offset \(offset)" : "\(kind) at offset \(offset)"
    }

    /// `7168 bytes, 14 members (...)`; for a compressed archive `812 bytes to the end`.
    var details: String? {
        guard let members else { return "\(size) bytes to the end" }
        let text = "\(size) bytes, \(members) member\(members == 1 ? "" : "s")"
        var counts: [String] = []
        func count(_ value: Int?, _ one: String, _ many: String) {
            if let value, value > 0 { counts.append("\(value) \(value == 1 ? one : many)") }
        }
        count(kernelModules, "kernel module", "kernel modules")
        count(firmwareFiles, "firmware file", "firmware files")
        count((files ?? 0) - (kernelModules ?? 0) - (firmwareFiles ?? 0), "other file", "other files")
        count(directories, "folder", "folders")
        count(members - (files ?? 0) - (directories ?? 0), "other member", "other members")
        return counts.isEmpty ? text : text + " (" + counts.joined(separator: ", ") + ")"
    }
}

public struct InspectReport: Encodable, Sendable {
    public var image: String
    public var size: Int
    /// initrd, intel-blob, amd-blob, empty.
    public var kind: String
    public var earlyArchives: [ArchiveReport]
    public var microcode: [MicrocodeMemberReport]
    public var main: MainPartReport
    /// Every part after the early archives (`main` is the first of them).
    public var parts: [PartReport]
    public var loads: [CPULoadReport]
    public var notes: [String]
    /// A unified kernel image: its sections, and how the initrd
    /// systemd-stub hands to Linux is made from them (what the rest of the
    /// report describes, `size` and every offset included). Absent for
    /// anything else.
    public var uki: UKIReport?

    public init(_ inspection: ImageInspection) {
        let image = inspection.image
        self.image = image.path
        size = image.size
        kind = switch image.kind {
        case .initrd: "initrd"
        case .empty: "empty"
        case .bareBlob(let vendor): vendor.shortName + "-blob"
        }
        earlyArchives = image.earlyArchives.map { archive in
            ArchiveReport(offset: archive.offset, size: archive.size, members: archive.members.map(ArchiveMemberReport.init))
        }
        var peeked: String?
        if case .microcodeInside(let name) = inspection.compressedPeek { peeked = name }
        // As before: the compressed archive's peek, when it is the first part.
        main = MainPartReport(image.main)
        main.compressedMicrocode = image.compressedPart?.offset == image.main.offset ? peeked : nil
        parts = image.parts.map { PartReport($0, in: image, peek: inspection.compressedPeek) }

        loads = inspection.predictions.map { entry in
            CPULoadReport(
                vendor: entry.cpu.vendor.shortName,
                signature: entry.cpu.signature.description,
                platformFlags: entry.cpu.vendor == .intel ? entry.cpu.platforms?.description : nil,
                host: entry.cpu.isHost,
                runningRevision: entry.cpu.runningRevision.map(Hex.short),
                linux: LoaderReport(entry.linux),
                xen: LoaderReport(entry.xen),
                predictions: entry.loaders.map(LoaderPredictionReport.init))
        }

        // Which loader takes which update, for the per-update status.
        var takenBy: [Int: (linux: [String], xen: [String])] = [:]
        for entry in inspection.predictions {
            // The binaries' answers when there are binaries, else the generic models'.
            let predictions = entry.loaders.isEmpty ? [entry.linux, entry.xen] : entry.loaders
            for prediction in predictions {
                guard let candidate = prediction.candidate else { continue }
                if prediction.loader == .linux {
                    takenBy[candidate.offset, default: ([], [])].linux.append(entry.cpu.description)
                } else {
                    takenBy[candidate.offset, default: ([], [])].xen.append(entry.cpu.description)
                }
            }
        }
        func status(_ report: inout UpdateReport, at offset: Int) {
            report.file = image.path
            report.offset = offset
            let taken = takenBy[offset] ?? ([], [])
            report.selected = !taken.linux.isEmpty || !taken.xen.isEmpty
            switch (taken.linux.isEmpty, taken.xen.isEmpty) {
            case (false, false): report.status = "linux+xen"
            case (false, true): report.status = "linux"
            case (true, false): report.status = "xen"
            case (true, true): report.status = "unused"
            }
            var parts: [String] = []
            if !taken.linux.isEmpty { parts.append("Linux takes it for " + Set(taken.linux).sorted().joined(separator: ", ")) }
            if !taken.xen.isEmpty { parts.append("Xen takes it for " + Set(taken.xen).sorted().joined(separator: ", ")) }
            report.reason = parts.isEmpty ? (inspection.cpus.isEmpty ? "" : "no CPU inspected takes it") : parts.joined(separator: "; ")
        }

        microcode = inspection.members.map { member in
            var updates: [UpdateReport] = []
            for update in member.intel {
                var report = UpdateReport(update, verdict: nil)
                status(&report, at: member.dataOffset + update.origin.offset)
                updates.append(report)
            }
            for container in member.amd {
                for patch in container.patches {
                    var report = UpdateReport(patch, table: container.equivalenceTable, verdict: nil)
                    status(&report, at: member.dataOffset + patch.origin.offset)
                    updates.append(report)
                }
            }
            return MicrocodeMemberReport(
                vendor: member.vendor.shortName,
                name: member.name,
                offset: member.member?.member.offset,
                dataOffset: member.dataOffset,
                size: member.size,
                dataAlignment: member.dataAlignment,
                early: member.member?.isEarly ?? false,
                used: member.member?.isUsed ?? true,
                shadowedBy: member.member?.shadowedBy,
                updates: updates,
                problem: member.problem.map(FileProblemReport.init))
        }
        var notes = inspection.notes
        for member in inspection.members {
            for container in member.amd where !container.hasTerminator {
                notes.append("the AMD container at offset \(member.dataOffset + container.origin.offset) has no all-zero last equivalence entry: Xen 4.17 rejects it")
            }
        }
        self.notes = notes
    }

    /// What `inspect` prints without --json.
    public var lines: [String] {
        var out: [String] = []
        let image = uki == nil ? self.image : self.image + " (the initrd systemd-stub builds)"
        if let uki { out.append("\(self.image):"); out += uki.lines }
        switch kind {
        case "initrd": out.append("\(image): \(size) bytes")
        case "empty": out.append("\(image): empty")
        default: out.append("\(image): \(size) bytes, a bare \(kind == "intel-blob" ? "Intel" : "AMD") microcode blob (not a cpio archive)")
        }
        if kind == "initrd" && earlyArchives.isEmpty { out.append("early archives: none") }
        for (index, archive) in earlyArchives.enumerated() {
            let count = archive.members.count
            out.append("early archive \(index + 1) at offset \(archive.offset): \(archive.size) bytes, \(count) member\(count == 1 ? "" : "s")")
            // Files that are not microcode (ACPI tables, firmware) are what rebuild keeps; name them.
            for member in archive.members where member.type != "directory"
                && !microcode.contains(where: { $0.offset == member.offset }) {
                out.append("  \(member.name): \(member.size) bytes (\(member.type))")
            }
            for member in microcode where member.early && member.offset.map({ $0 >= archive.offset && $0 < archive.offset + archive.size }) == true {
                out += memberLines(member)
            }
        }
        for member in microcode where !member.early {
            if let offset = member.offset {
                out.append("in the uncompressed cpio at offset \(part(containing: offset)?.offset ?? offset) (not an early archive):")
            }
            out += memberLines(member)
        }
        if kind == "initrd" {
            // Both header lines end with the first part's offset (scripts/image-boot-test reads it).
            switch parts.count {
            case 0: out.append("main archive: nothing")
            case 1:
                out.append("main archive: \(parts[0].title)")
                if let details = parts[0].details, parts[0].members != nil { out.append("  " + details) }
            default:
                // Debian 13 (initramfs-tools 0.148): the cpio of compressed modules and firmware, then the main archive.
                out.append("after the early part: \(parts.count) parts, unpacked in turn, from offset \(parts[0].offset)")
                for part in parts { out.append("  " + part.line) }
            }
        }
        for load in loads {
            var head = "cpu \(load.signature)"
            if let pf = load.platformFlags { head += " pf \(pf)" }
            if load.host { head += " (this host" + (load.runningRevision.map { ", running \($0))" } ?? ")") }
            out.append(head)
            let running = load.runningRevision.flatMap(Hex.parseUInt32)
            if load.predictions.isEmpty {
                out.append("  linux: " + load.linux.line(running: running))
                for note in load.linux.notes { out.append("         note: " + note) }
                out.append("  xen:   " + load.xen.line(running: running))
                for note in load.xen.notes { out.append("         note: " + note) }
            }
            for prediction in load.predictions {
                let name = prediction.loader + (prediction.version.map { " " + $0 } ?? "")
                let line = prediction.detail.applies == false && prediction.reason.hasPrefix("found, but not loaded: ")
                    ? prediction.detail.line(running: running) + " (" + prediction.reason + ")"
                    : prediction.detail.line(running: running)
                out.append("  \(name) (\(prediction.binary ?? "?")): " + line)
                for note in prediction.detail.notes { out.append("         note: " + note) }
            }
        }
        return out
    }

    /// The part an image offset lies in (parts are in offset order).
    func part(containing offset: Int) -> PartReport? {
        var low = 0
        var high = parts.count
        while low < high {
            let middle = low + (high - low) / 2
            if parts[middle].offset <= offset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let part = parts[low - 1]
        return offset < part.offset + part.size ? part : nil
    }

    func memberLines(_ member: MicrocodeMemberReport) -> [String] {
        var head = "  \(member.name): \(member.size) bytes, data at offset \(member.dataOffset) (aligned to \(member.dataAlignment))"
        if let shadow = member.shadowedBy {
            head += ", shadowed by the member at offset \(shadow): never used"
        } else if member.offset != nil {
            head += ", used by the loaders"
        }
        var out = [head]
        for update in member.updates { out.append("    " + update.line) }
        if let problem = member.problem {
            out.append("    malformed at offset \(problem.offset ?? 0): \(problem.reason)")
        }
        return out
    }
}
