extension ImageRebuild {
    // MARK: Checking what was written

    /// Reads the written file back: its front must walk, hold exactly the
    /// new microcode where planned and no other early microcode, every part
    /// after the early archives must be where it was moved to, and every
    /// copied byte must equal its source.
    static func verify(_ path: String, layout: Layout, written: Layout.Written, source: ImageFile, image: BootImage,
                       placements: [EarlyArchive.Placement]) throws {
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
        guard try file.read(at: 0, count: layout.newArchive.count) == layout.newArchive else { throw fail("the new archive's bytes differ") }
        for (segment, offset) in zip(layout.segments, written.segmentOffsets) {
            if case .copy(let range) = segment, let at = try source.firstDifference(range, in: file, at: offset) {
                throw fail("byte \(at) of the old image was not copied faithfully")
            }
        }
        if let at = try source.firstDifference(layout.restStart..<source.size, in: file, at: written.restOffset) {
            if let part = image.parts.first(where: { $0.offset <= at && at < $0.end }) {
                throw fail("byte \(at) of the old image (in the \(part.description)) was not copied faithfully")
            }
            throw fail("byte \(at) of the old image was not copied faithfully")
        }
    }

    static func partText(_ part: TailPart) -> String {
        var text = "\(part.description), \(part.size) bytes"
        if let count = part.memberCount { text += ", \(count) members" }
        return text
    }
}
