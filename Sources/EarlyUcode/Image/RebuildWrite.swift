extension ImageRebuild {
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
            /// The old image's parts where they now are.
            var parts: [TailPart] = []
        }

        /// Every byte written is read back and compared as it goes, and
        /// copies made inside the kernel at both ends (ReadBackSink);
        /// `verify` checks the structure afterwards.
        func write(from file: ImageFile, to sink: DescriptorSink) throws -> Written {
            try ReadBackSink.over(sink) { counter in try write(from: file, to: &counter) }
        }

        private func write(from file: ImageFile, to counter: inout ReadBackSink) throws -> Written {
            try counter.write(newArchive[...])
            var offsets: [Int] = []
            for segment in segments {
                offsets.append(counter.count)
                switch segment {
                case .copy(let range):
                    try counter.copy(range, from: file)
                case .rewrite(let members):
                    try rewrite(members, from: file, to: &counter)
                }
            }
            let restOffset = counter.count
            try counter.copy(restStart..<file.size, from: file)
            return Written(size: counter.count, segmentOffsets: offsets, restOffset: restOffset)
        }

        /// The archive again, minus its microcode, through libarchive; data
        /// streamed from the image.
        private func rewrite(_ members: [CPIOMember], from file: ImageFile, to sink: inout ReadBackSink) throws {
            let target = SinkTarget(sink)
            try LibArchiveWriter.withNewc(target, path: sink.path) { writer in
                for (index, member) in members.enumerated() {
                    try writer.header(name: member.name, mode: member.mode, inode: index + 1, links: member.isDirectory ? max(member.links, 2) : 1,
                                      mtime: Int(member.mtime), size: member.isRegularFile ? member.dataSize : 0,
                                      uid: Int(member.uid), gid: Int(member.gid))
                    guard member.isRegularFile else { continue }
                    var offset = member.dataOffset
                    while offset < member.dataOffset + member.dataSize {
                        let chunk = try file.read(at: offset, count: min(ImageFile.copyChunk, member.dataOffset + member.dataSize - offset))
                        guard !chunk.isEmpty else { throw InputError(path: file.path, offset: offset, .file(.shrankWhileRead)) }
                        try writer.data(chunk[...])
                        offset += chunk.count
                    }
                }
            }
            sink.count += target.count
        }
    }
}
