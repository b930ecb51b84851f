#if canImport(Glibc)
import Glibc
#endif

/// One piece of a view of a file (`ImageFile(path:segments:)`): bytes of
/// the file, or zeros that are not in it. A unified kernel image's initrd
/// is such a view: systemd-stub hands Linux the `.ucode` section, zeros to
/// a multiple of 4, the `.initrd` section, zeros again (stub.c
/// combine_initrds()), and each section is its file bytes plus zeros up to
/// its VirtualSize. Reading the view reads only what is asked for, as for
/// an initrd on disk: a 100 MB `.initrd` is never copied.
public enum ImageSegment: Sendable, Equatable {
    case file(Range<Int>)
    case zeros(Int)

    public var count: Int {
        switch self {
        case .file(let range): range.count
        case .zeros(let count): count
        }
    }

    func fits(fileSize: Int) -> Bool {
        switch self {
        case .file(let range): range.lowerBound >= 0 && range.upperBound <= fileSize
        case .zeros(let count): count >= 0
        }
    }
}

extension ImageFile {
    /// The view's bytes at `offset`, into `buffer`: pread(2) for file
    /// pieces, zeros for the rest. Returns the bytes filled (fewer only at
    /// the end of the view or of a file that shrank).
    func preadView(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, failure: inout Int32) -> Int {
        guard !segments.isEmpty else { return FileIO.preadFully(fd, into: buffer, at: offset, failure: &failure) }
        var done = 0
        var start = 0
        for segment in segments {
            let end = start + segment.count
            defer { start = end }
            let position = offset + done
            guard done < buffer.count, position < end else { continue }
            guard position >= start else { continue }
            let count = min(end - position, buffer.count - done)
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + count)])
            switch segment {
            case .zeros:
                target.initializeMemory(as: UInt8.self, repeating: 0)
                done += count
            case .file(let range):
                let got = FileIO.preadFully(fd, into: target, at: range.lowerBound + (position - start), failure: &failure)
                done += got
                if failure != 0 || got < count { return done }
            }
        }
        return done
    }

    /// Where an offset of the view lies: the segment's index and, for file
    /// bytes, the offset in the file. Nil past the end.
    public func location(of offset: Int) -> (segment: Int, fileOffset: Int?)? {
        guard !segments.isEmpty else { return offset >= 0 && offset < size ? (0, offset) : nil }
        var start = 0
        for (index, segment) in segments.enumerated() {
            let end = start + segment.count
            if offset >= start, offset < end {
                if case .file(let range) = segment { return (index, range.lowerBound + offset - start) }
                return (index, nil)
            }
            start = end
        }
        return nil
    }

    /// The first offset at or after `offset` whose byte is not zero, or
    /// `size`. A zeros piece of a view is passed over whole, file bytes a
    /// window at a time: a section's VirtualSize can ask for gigabytes of
    /// zeros that are in no file.
    public func endOfZeros(from offset: Int) throws(InputError) -> Int {
        var position = max(0, offset)
        while position < size {
            if let zeros = zerosPiece(containing: position) {
                position = zeros.upperBound
                continue
            }
            if position < windowStart || position >= windowStart + window.count { try fillWindow(at: position) }
            guard position >= windowStart, position < windowStart + window.count else { break }
            if let nonzero = window[(position - windowStart)...].firstIndex(where: { $0 != 0 }) { return windowStart + nonzero }
            position = windowStart + window.count
        }
        return size
    }

    /// The view's offsets of the zeros piece that holds `offset`, if one does.
    private func zerosPiece(containing offset: Int) -> Range<Int>? {
        var start = 0
        for segment in segments {
            let end = start + segment.count
            if offset >= start, offset < end {
                if case .zeros = segment { return start..<end }
                return nil
            }
            start = end
        }
        return nil
    }
}
