/// One member of a newc (or crc) cpio archive, as found in an image.
public struct CPIOMember: Sendable, Equatable {
    public enum Format: String, Sendable {
        case newc = "070701"
        /// The checksum variant; the early scan ignores its checksum.
        case crc = "070702"
    }

    public var format: Format
    /// Where the 110-byte header starts in the image.
    public var offset: Int
    public var inode: UInt32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var links: UInt32
    public var mtime: UInt32
    public var dataSize: Int
    public var devMajor: UInt32
    public var devMinor: UInt32
    public var rdevMajor: UInt32
    public var rdevMinor: UInt32
    /// The name field's length, its NUL included.
    public var nameSize: Int
    public var checksum: UInt32
    /// The name's bytes, without the NUL: what the loaders compare.
    public var nameBytes: [UInt8]
    /// Where the data starts (after the name, padded to 4).
    public var dataOffset: Int
    /// Where the next header may start (after the data, padded to 4).
    public var end: Int

    public var name: String { String(decoding: nameBytes, as: UTF8.self) }
    public var fileType: CPIO.FileType? { CPIO.FileType(mode: mode) }
    public var isRegularFile: Bool { fileType == .regular }
    public var isDirectory: Bool { fileType == .directory }
    public var isTrailer: Bool { nameBytes.elementsEqual(CPIO.trailerName.utf8) }
    public var dataRange: Range<Int> { dataOffset..<(dataOffset + dataSize) }

    /// Whether the early loaders take this member for `path`: a regular
    /// file whose name *starts with* the path (so `GenuineIntel.bin.old`
    /// counts, and `./kernel/...` does not).
    public func matchesLoaderPath(_ path: String) -> Bool {
        isRegularFile && nameBytes.starts(with: path.utf8)
    }
}

/// One archive: members up to and including `TRAILER!!!`.
public struct CPIOArchive: Sendable, Equatable {
    /// Where its first header starts.
    public var offset: Int
    /// Just after the trailer (4-byte aligned).
    public var end: Int
    /// The members, trailer excluded.
    public var members: [CPIOMember]
    public var trailer: CPIOMember

    public var size: Int { end - offset }
}

/// What the walk over the front of an image found.
public struct CPIOWalk: Sendable, Equatable {
    public var archives: [CPIOArchive]
    /// Where the walk stopped: the first 4-byte aligned offset that holds
    /// neither a cpio header nor a zero byte, or the end of the image.
    public var stop: Int
    public var imageSize: Int

    /// Every member of every archive, in image order.
    public var members: [CPIOMember] { archives.flatMap(\.members) }
}

/// Walks the uncompressed cpio archives at the front of an image the way
/// Linux's `find_cpio_data` (lib/earlycpio.c) and Xen's copy of it do:
/// headers at 4-byte aligned offsets, a zero byte where a header should be
/// skips 4 bytes, archives follow each other past `TRAILER!!!`, and the
/// first thing that is not a header ends the walk.
///
/// Where the early scan would silently give up but the kernel's full
/// unpacker would fail the boot (a header that runs past the end, a name
/// without its NUL, an archive without trailer), this is an error with the
/// offset: such an image is not one to trust or rewrite.
public enum EarlyCPIOWalker {
    public static func walk(_ image: ImageFile) throws(InputError) -> CPIOWalk {
        var archives: [CPIOArchive] = []
        var open: (offset: Int, members: [CPIOMember])?
        var position = 0
        let size = image.size

        // The kernel loops while more than a header's worth is left.
        while size - position > CPIO.headerSize {
            guard let first = try image.byte(at: position) else { break }
            if first == 0 {
                if let open {
                    throw InputError(path: image.path, offset: position, .archive(.zerosBeforeTrailer(archiveOffset: open.offset)))
                }
                // The kernel steps 4 bytes at a time while the byte there is
                // zero and more than a header's worth is left: go straight to
                // where that stepping ends (a long run of zeros, a UKI
                // section's zero fill, costs no more than a short one).
                let zerosEnd = try image.endOfZeros(from: position)
                let steps = max(1, (zerosEnd - position + 3) / 4)
                let lastStep = (size - CPIO.headerSize - position + 3) / 4
                position += 4 * min(steps, lastStep)
                continue
            }
            guard let member = try header(in: image, at: position) else { break }
            if member.isTrailer {
                let members = open?.members ?? []
                archives.append(CPIOArchive(offset: open?.offset ?? position, end: member.end, members: members, trailer: member))
                open = nil
            } else if open == nil {
                open = (position, [member])
            } else {
                open?.members.append(member)
            }
            position = member.end
        }

        if let open {
            throw InputError(path: image.path, offset: position, .archive(.noTrailer(archiveOffset: open.offset)))
        }
        // Fewer bytes than a header left: a header cut short is damage, anything else is for the caller to name.
        if position < size, size - position <= CPIO.headerSize {
            let tail = try image.read(at: position, count: 6)
            if isMagic(tail) || (tail.count < 6 && tail.first != 0 && CPIO.newcMagic.utf8.starts(with: tail)) {
                throw InputError(path: image.path, offset: position, .archive(.truncatedHeader(left: size - position)))
            }
        }
        return CPIOWalk(archives: archives, stop: min(position, size), imageSize: size)
    }

    static func isMagic(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 6 && (bytes.prefix(6).elementsEqual(CPIO.newcMagic.utf8) || bytes.prefix(6).elementsEqual(CPIO.crcMagic.utf8))
    }

    /// The member whose header is at `offset`, nil when the bytes there are
    /// not a cpio header at all (the early scan stops there).
    static func header(in image: ImageFile, at offset: Int) throws(InputError) -> CPIOMember? {
        let bytes = try image.read(at: offset, count: CPIO.headerSize)
        guard bytes.count == CPIO.headerSize else { return nil }
        let magic = bytes.prefix(6)
        if magic.elementsEqual(CPIO.odcMagic.utf8) {
            throw InputError(path: image.path, offset: offset, .archive(.oldPortableFormat))
        }
        guard isMagic(bytes) else { return nil }
        let format: CPIOMember.Format = magic.last == UInt8(ascii: "1") ? .newc : .crc

        var fields: [UInt32] = []
        fields.reserveCapacity(13)
        for index in 0..<13 {
            let start = 6 + index * 8
            let value: UInt32?
            do { value = try bytes[...].hexDigits(at: start, count: 8) } catch {
                throw InputError(path: image.path, offset: offset + error.offset, error.problem)
            }
            guard let value else {
                let text = String(decoding: bytes[start..<(start + 8)].map { $0 >= 0x20 && $0 < 0x7f ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                throw InputError(path: image.path, offset: offset + start, .archive(.badHeaderField(name: CPIO.fieldNames[index], text: text)))
            }
            fields.append(value)
        }
        let dataSize = Int(fields[6])
        let nameSize = Int(fields[11])
        let nameStart = offset + CPIO.headerSize
        guard nameSize >= 1, nameSize <= CPIO.maximumNameSize else {
            throw InputError(path: image.path, offset: offset + 6 + 11 * 8, .archive(.nameSize(nameSize)))
        }
        let dataOffset = CPIO.align4(nameStart + nameSize)
        let end = CPIO.align4(dataOffset + dataSize)
        // The early scan demands the padded end inside the image too ("buffer overrun").
        guard end <= image.size else {
            let name = try image.read(at: nameStart, count: min(nameSize, 200)).prefix { $0 != 0 }
            throw InputError(path: image.path, offset: offset,
                             .archive(.memberPastEnd(name: String(decoding: name, as: UTF8.self), needs: end - offset, left: image.size - offset)))
        }
        let name = try image.read(at: nameStart, count: nameSize)
        guard name.count == nameSize, name.last == 0 else {
            throw InputError(path: image.path, offset: nameStart + nameSize - 1, .archive(.nameNotTerminated))
        }
        return CPIOMember(
            format: format, offset: offset,
            inode: fields[0], mode: fields[1], uid: fields[2], gid: fields[3], links: fields[4], mtime: fields[5],
            dataSize: dataSize,
            devMajor: fields[7], devMinor: fields[8], rdevMajor: fields[9], rdevMinor: fields[10],
            nameSize: nameSize, checksum: fields[12],
            nameBytes: Array(name.dropLast()),
            dataOffset: dataOffset, end: end)
    }
}
