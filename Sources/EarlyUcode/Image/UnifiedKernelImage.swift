/// A unified kernel image (UKI): systemd-stub with the kernel (`.linux`, a
/// bzImage), its initrd (`.initrd`), early microcode (`.ucode`, systemd
/// 256 and later), the kernel's release (`.uname`), command line
/// (`.cmdline`) and os-release (`.osrel`) as PE sections
/// (systemd's UKI specification; `ukify build --microcode`).
///
/// What Linux gets: systemd-stub (src/boot/stub.c, 257) joins the
/// initrds in a fixed order, `.ucode` first, then `.initrd`, then those it
/// generates (credentials, system extensions), each padded with zeros to
/// a multiple of 4 (combine_initrds()), and hands the kernel that one
/// buffer. Linux's early loader walks it as it walks an initrd on disk, so
/// the microcode must be the uncompressed cpio `build` writes, at its
/// start. This type describes that buffer as a view of the file
/// (`initrdSegments`), so `inspect` and `check` read a UKI as they read
/// /boot's initrds.
public struct UnifiedKernelImage: Sendable {
    public var path: String
    public var pe: PEImage
    public var linux: PEImage.Section
    public var ucode: PEImage.Section?
    public var initrd: PEImage.Section?
    /// `.uname`: the kernel release (`6.12.118+deb13-amd64`).
    public var uname: String?
    /// `.osrel`'s PRETTY_NAME.
    public var osRelease: String?
    /// `.cmdline`, the kernel's built-in command line.
    public var cmdline: String?

    /// One of the pieces the stub joins, and where it starts in the result.
    public struct Part: Sendable, Equatable {
        public var section: String
        public var offset: Int
        /// The section's bytes in memory (file bytes and zero fill).
        public var size: Int
    }

    public var parts: [Part]
    public var initrdSegments: [ImageSegment]

    /// The sections systemd-stub 257 reads (src/fundamental/uki.h).
    public static let stubSections: Set<String> = [
        ".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".splash", ".dtb", ".uname", ".sbat", ".pcrsig",
        ".pcrpkey", ".profile", ".dtbauto", ".hwids", ".efifw",
    ]
    /// A text section longer than this is not shown.
    static let textLimit = 4096
    /// The largest `.ucode` or `.initrd` section read (each on its own):
    /// systemd-stub's buffers for the initrds are below 4 GiB, so a larger
    /// one cannot be what Linux gets.
    static let partLimit = Int(UInt32.max)

    /// Reads the headers and the small text sections of the UKI at `path`.
    public static func read(path: String) throws(InputError) -> UnifiedKernelImage {
        let file = try ImageFile(path: path)
        let pe = try PEImage.read(file)
        guard let linux = pe.section(named: ".linux") else {
            throw InputError(path: path, offset: 0, .efi(.notUnifiedKernelImage(sections: pe.sections.map(\.name))))
        }
        func text(_ name: String) throws(InputError) -> String? {
            guard let section = pe.section(named: name) else { return nil }
            let range = section.fileRange
            let bytes = try file.read(at: range.lowerBound, count: min(range.count, textLimit))
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        // Shown on one line each: the sections' text comes from whoever built the image.
        func shown(_ text: String?) -> String? { text.map { OneLine.escaped($0.trimmingBlanks) } }
        let osrel = shown(try text(".osrel").flatMap(Self.prettyName))
        var parts: [Part] = []
        var segments: [ImageSegment] = []
        var offset = 0
        for name in [".ucode", ".initrd"] {
            guard let section = pe.section(named: name), section.memorySize > 0 else { continue }
            guard section.memorySize <= partLimit else {
                throw InputError(path: path, offset: pe.headersEnd, .efi(.ukiSectionTooLarge(name: name, size: section.memorySize, limit: partLimit)))
            }
            parts.append(Part(section: name, offset: offset, size: section.memorySize))
            if !section.fileRange.isEmpty { segments.append(.file(section.fileRange)) }
            let padding = (4 - section.memorySize % 4) % 4
            if section.zeroFill + padding > 0 { segments.append(.zeros(section.zeroFill + padding)) }
            offset += section.memorySize + padding
        }
        return UnifiedKernelImage(path: path, pe: pe, linux: linux, ucode: pe.section(named: ".ucode"), initrd: pe.section(named: ".initrd"),
                                  uname: shown(try text(".uname")), osRelease: osrel, cmdline: shown(try text(".cmdline")),
                                  parts: parts, initrdSegments: segments)
    }

    /// `PRETTY_NAME="Debian GNU/Linux 13 (trixie)"` from os-release text.
    static func prettyName(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            var value = line.dropFirst("PRETTY_NAME=".count)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            return String(value)
        }
        return nil
    }

    /// The kernel in `.linux`, read as /boot's kernels are (the bzImage
    /// header's version, the AMD digest list from the decompressed
    /// payload), for the versioned model of what Linux takes. Never
    /// throws: a section that cannot be read is a binary with a problem.
    public func kernel(bound: DecompressionBound = .standard) -> LoaderBinary {
        let name = "\(path):.linux"
        let range = linux.fileRange
        guard range.count <= LoaderBinaries.readLimit else {
            return LoaderBinary(loader: .linux, path: name, problem: InputError(path: path, offset: range.lowerBound,
                .efi(.ukiSectionTooLarge(name: ".linux", size: range.count, limit: LoaderBinaries.readLimit))))
        }
        do throws(InputError) {
            let file = try ImageFile(path: path)
            let bytes = try file.read(at: range.lowerBound, count: range.count)
            do throws(ParseError) {
                return try LoaderBinaries.parse(bytes, path: name, as: .linux, bound: bound)
            } catch {
                // Offsets in the file, not in the section.
                return LoaderBinary(loader: .linux, path: name,
                                    problem: InputError(path: name, offset: range.lowerBound + error.offset, error.problem))
            }
        } catch {
            return LoaderBinary(loader: .linux, path: name, problem: error)
        }
    }

    /// The `.linux` kernel's header only (its version, nothing
    /// decompressed): what `inspect --no-loaders` shows. Nil when it does
    /// not read.
    public func kernelHeader() -> LoaderBinary? {
        let range = linux.fileRange
        guard range.count <= LoaderBinaries.readLimit, let file = try? ImageFile(path: path),
              let bytes = try? file.read(at: range.lowerBound, count: range.count),
              let header = try? KernelImage.header(bytes)
        else { return nil }
        return LoaderBinary(loader: .linux, path: "\(path):.linux", version: header.release, versionText: header.versionText,
                            compression: header.compression)
    }

    /// `inspect` on the initrd systemd-stub builds. Offsets in the
    /// inspection are offsets in that initrd (`parts` says where each
    /// section starts); an error that stops it names the file offset.
    public func inspect(cpus: [InspectedCPU], loaders: [LoaderModel]) throws(InputError) -> ImageInspection {
        let view = try ImageFile(path: path, segments: initrdSegments)
        do throws(InputError) {
            var inspection = try ImageInspection.inspect(view, cpus: cpus, loaders: loaders)
            inspection.image.path = path
            return inspection
        } catch {
            throw fileError(error, view: view)
        }
    }

    /// An error at an offset of the view, as an error at the file offset
    /// of the section byte it points to.
    func fileError(_ error: InputError, view: ImageFile) -> InputError {
        guard error.path == path, let offset = error.offset else { return error }
        let part = parts.last { $0.offset <= offset }
        let at = "the initrd systemd-stub builds (\(part.map { "\($0.section), which starts at its offset \($0.offset)" } ?? "empty"))"
        // The end of the view (a part cut short) is the end of the last file bytes.
        let end: Int? = offset == view.size ? initrdSegments.reversed().lazy.compactMap { segment -> Int? in
            if case .file(let range) = segment { return range.upperBound }
            return nil
        }.first : nil
        guard let fileOffset = view.location(of: offset)?.fileOffset ?? end else {
            return InputError(path: path, offset: nil, .image(.inMember(name: "offset \(offset) of \(at)", error.problem)))
        }
        return InputError(path: path, offset: fileOffset, .image(.inMember(name: "offset \(offset) of \(at)", error.problem)))
    }
}

extension String {
    /// Without leading and trailing blanks and line ends.
    var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
