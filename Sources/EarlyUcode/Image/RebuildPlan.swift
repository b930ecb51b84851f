extension ImageRebuild {
    /// What to do with one early archive.
    public enum ArchiveAction: Sendable, Equatable {
        /// No microcode in it: copied byte for byte.
        case keep
        /// Only microcode and folders: left out.
        case drop
        /// Microcode and other things: written again without the microcode.
        case rewrite(keeping: [CPIOMember])
    }

    // MARK: Understanding the front

    /// Refuses images whose front this tool does not fully understand.
    static func checkUnderstood(_ image: BootImage, _ file: ImageFile) throws(InputError) -> [String] {
        switch image.kind {
        case .empty:
            throw InputError(path: image.path, .image(.emptyFile))
        case .bareBlob(let vendor):
            throw InputError(path: image.path, offset: 0, .image(.bareBlob(vendor)))
        case .initrd:
            break
        }
        var notes: [String] = []
        if let part = image.compressedPart, case .compressed(let compression) = part.kind {
            switch CompressedPeek.peek(file, at: part.offset) {
            case .microcodeInside(let name):
                throw InputError(path: image.path, offset: part.offset, .image(.compressedEarlyPart(compression, member: name)))
            case .unreadable(let why):
                notes.append("the \(compression.rawValue) archive at offset \(part.offset) could not be looked into (\(why)); it is kept byte for byte")
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
                    throw InputError(path: image.path, offset: member.offset, .image(.sharesArchiveNotFileOrFolder(member.name)))
                }
                guard !member.isRegularFile || member.links <= 1 else {
                    throw InputError(path: image.path, offset: member.offset, .image(.sharesArchiveHardLink(member.name)))
                }
                guard String(validating: member.nameBytes, as: UTF8.self) != nil else {
                    throw InputError(path: image.path, offset: member.offset, .image(.sharesArchiveNotUTF8))
                }
            }
            return .rewrite(keeping: remaining)
        }
    }
}
