// The unified kernel image part of `inspect` (text and --json). Field
// names and meanings are documented in docs/json.md; add fields, never
// rename or remove them.

/// `inspect` of a unified kernel image: its sections, and how the initrd
/// systemd-stub hands to Linux is made (every offset of the rest of the
/// report is one in that initrd).
public struct UKIReport: Encodable, Sendable, Equatable {
    public struct Section: Encodable, Sendable, Equatable {
        public var name: String
        /// File offset and the bytes read from the file.
        public var offset: Int
        public var size: Int
        /// VirtualSize: the section in memory.
        public var memorySize: Int
    }

    public struct Part: Encodable, Sendable, Equatable {
        public var section: String
        /// Where the section starts in the initrd systemd-stub builds.
        public var offset: Int
        public var size: Int
    }

    public var sections: [Section]
    public var uname: String?
    public var osRelease: String?
    public var cmdline: String?
    /// `.linux`'s release, read from its bzImage header; absent when unreadable.
    public var kernel: String?
    public var kernelProblem: String?
    /// `.ucode`, then `.initrd`, each padded to 4 bytes (stub.c combine_initrds()).
    public var initrdParts: [Part]
    /// Its size: the sum of the parts, padding included.
    public var initrdSize: Int

    public init(_ uki: UnifiedKernelImage, kernel: LoaderBinary?) {
        sections = uki.pe.sections.map { Section(name: $0.name, offset: $0.fileRange.lowerBound, size: $0.fileRange.count, memorySize: $0.memorySize) }
        uname = uki.uname
        osRelease = uki.osRelease
        cmdline = uki.cmdline
        self.kernel = kernel?.versionText
        kernelProblem = kernel?.problem?.description
        initrdParts = uki.parts.map { Part(section: $0.section, offset: $0.offset, size: $0.size) }
        initrdSize = uki.initrdSegments.reduce(0) { $0 + $1.count }
    }

    var lines: [String] {
        var out: [String] = []
        out.append("unified kernel image: \(sections.count) sections (\(sections.map(\.name).joined(separator: " ")))")
        if let osRelease { out.append("  .osrel: \(osRelease)") }
        if let uname { out.append("  .uname: \(uname)") }
        if let cmdline { out.append("  .cmdline: \(cmdline)") }
        if let linux = sections.first(where: { $0.name == ".linux" }) {
            out.append("  .linux: \(linux.size) bytes at offset \(linux.offset): " + (kernel.map { "Linux \($0)" } ?? "unreadable: \(kernelProblem ?? "?")"))
        }
        for name in [".ucode", ".initrd"] {
            guard let section = sections.first(where: { $0.name == name }) else {
                out.append("  \(name): none")
                continue
            }
            let part = initrdParts.first { $0.section == name }
            out.append("  \(name): \(section.size) bytes at offset \(section.offset)" + (part.map { ", at \($0.offset) in the initrd systemd-stub builds" } ?? ""))
        }
        out.append("the initrd systemd-stub hands to Linux (.ucode, then .initrd, each padded to 4 bytes): \(initrdSize) bytes; offsets below are in it")
        return out
    }
}
