extension ImageRebuild {
    // MARK: Checking what was written

    /// Reads the written file's structure back: its front must walk, hold
    /// exactly the new microcode where planned and no other early
    /// microcode, and every part after the early archives must be where it
    /// was moved to. (That every byte landed as written, the new archive's
    /// and the copied ones alike, was checked while writing: ReadBackSink.)
    static func verify(_ path: String, written: Layout.Written, placements: [EarlyArchive.Placement]) throws {
        func fail(_ what: String) -> InputError {
            InputError(path: path, .image(.verifyFailed(what)))
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
        // Each part after the early archives where it was meant, of its kind, size and member count.
        guard check.parts.count == written.parts.count else {
            throw fail("\(check.parts.count) parts after the early archives, \(written.parts.count) meant")
        }
        for (index, (found, meant)) in zip(check.parts, written.parts).enumerated() where found != meant {
            throw fail("part \(index + 1) after the early archives is \(partText(found)), meant \(partText(meant))")
        }
    }

    static func partText(_ part: TailPart) -> String {
        var text = "\(part.description), \(part.size) bytes"
        if let count = part.memberCount { text += ", \(count) members" }
        return text
    }
}
