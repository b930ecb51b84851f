/// Where to look for microcode.
public enum MicrocodeSource: Sendable, Hashable {
    /// Every regular file in the folder, recognised by content. A missing
    /// folder is an error only when `required`.
    case directory(String, required: Bool)
    /// One file, which must be microcode.
    case file(String)

    /// Debian's places: `/lib/firmware/updates/...` first, as the kernel's
    /// firmware loader prefers it.
    public static let systemDefaults: [MicrocodeSource] = [
        .directory("/lib/firmware/updates/intel-ucode", required: false),
        .directory("/lib/firmware/updates/amd-ucode", required: false),
        .directory("/lib/firmware/intel-ucode", required: false),
        .directory("/lib/firmware/amd-ucode", required: false),
    ]

    /// `--firmware-dir DIR`: a firmware root (holding `intel-ucode/` and/or
    /// `amd-ucode/`, as /lib/firmware does) or a folder of microcode files.
    public static func firmwareDirectory(_ path: String) -> [MicrocodeSource] {
        let vendorDirs = ["updates/intel-ucode", "updates/amd-ucode", "intel-ucode", "amd-ucode"]
            .map { Path.join(path, $0) }
            .filter { FileIO.resolvedKind($0) == .directory }
        return vendorDirs.isEmpty ? [.directory(path, required: true)] : vendorDirs.map { .directory($0, required: true) }
    }

    public var path: String {
        switch self {
        case .directory(let path, _), .file(let path): path
        }
    }
}

/// What a file holds, judged by its bytes.
public enum MicrocodeFormat: Sendable, Equatable {
    case intelBinary
    case intelText
    case amdContainer
    /// Not microcode, and plainly so (text, empty): skipped, not an error.
    case notMicrocode(String)
    /// Binary data in no format we know: in a microcode folder that is a
    /// damaged file, so it is an error.
    case unknownBinary

    public static func of(_ bytes: [UInt8]) -> MicrocodeFormat {
        let all = bytes[...]
        if bytes.isEmpty { return .notMicrocode("empty file") }
        if AMDContainer.looksLikeContainer(all) { return .amdContainer }
        if IntelUpdate.looksLikeUpdate(all, at: 0) { return .intelBinary }
        // Binary microcode always has NUL bytes in its first header; text never does.
        if !all.prefix(4096).contains(0) {
            return IntelDatText.looksLikeDat(all) ? .intelText : .notMicrocode("text file, not microcode")
        }
        return .unknownBinary
    }
}

public struct SkippedFile: Sendable, Equatable {
    public var path: String
    public var reason: String
}

/// Everything read from the sources.
public struct MicrocodeCatalog: Sendable {
    public var intel: [IntelUpdate] = []
    public var amd: [AMDContainer] = []
    /// Files that are not microcode, with the reason.
    public var skipped: [SkippedFile] = []
    /// Malformed files passed over because of `--skip-invalid`.
    public var invalid: [InputError] = []
    public var filesRead = 0

    public init() {}

    public var isEmpty: Bool { intel.isEmpty && amd.isEmpty }

    /// Reads every source. A malformed file stops the load with its error,
    /// unless `skipInvalid`, which records it and goes on.
    public static func load(_ sources: [MicrocodeSource], skipInvalid: Bool = false) throws -> MicrocodeCatalog {
        var catalog = MicrocodeCatalog()
        for source in sources {
            switch source {
            case .file(let path):
                try catalog.add(path: path, explicit: true, skipInvalid: skipInvalid)
            case .directory(let path, let required):
                switch FileIO.resolvedKind(path) {
                case .directory:
                    break
                case .missing where !required:
                    continue
                case .missing:
                    throw InputError(path: path, reason: "no such directory")
                default:
                    throw InputError(path: path, reason: "not a directory")
                }
                for name in try FileIO.entries(of: path) {
                    let file = Path.join(path, name)
                    if name.hasPrefix(".") {
                        // As iucode_tool and the firmware loader do: hidden files are editor and package-manager leftovers.
                        catalog.skipped.append(SkippedFile(path: file, reason: "hidden file"))
                        continue
                    }
                    switch FileIO.resolvedKind(file) {
                    case .regular:
                        try catalog.add(path: file, explicit: false, skipInvalid: skipInvalid)
                    case .directory:
                        catalog.skipped.append(SkippedFile(path: file, reason: "directory (not searched)"))
                    case .missing:
                        catalog.skipped.append(SkippedFile(path: file, reason: "dangling symbolic link"))
                    default:
                        catalog.skipped.append(SkippedFile(path: file, reason: "not a regular file"))
                    }
                }
            }
        }
        return catalog
    }

    private mutating func add(path: String, explicit: Bool, skipInvalid: Bool) throws(InputError) {
        do {
            try add(path: path, explicit: explicit)
        } catch {
            guard skipInvalid else { throw error }
            invalid.append(error)
        }
    }

    /// Parses one file into the catalog; nothing of a bad file is kept.
    public mutating func add(path: String, explicit: Bool = true) throws(InputError) {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path)
        } catch {
            throw InputError(path: path, reason: error.reason)
        }
        filesRead += 1
        switch MicrocodeFormat.of(bytes) {
        case .amdContainer:
            do { amd += try AMDContainer.parseAll(bytes, path: path) } catch { throw InputError(path: path, error) }
        case .intelBinary:
            do { intel += try IntelUpdate.parseAll(bytes, path: path) } catch { throw InputError(path: path, error) }
        case .intelText:
            let text: IntelDatText
            do {
                text = try IntelDatText.decode(bytes)
            } catch {
                throw InputError(path: path, offset: error.offset, line: error.line, reason: error.reason)
            }
            do {
                intel += try IntelUpdate.parseAll(text.bytes, path: path)
            } catch {
                throw InputError(path: path, line: text.line(ofByte: error.offset),
                                 reason: "\(error.reason) (at byte \(error.offset) of the decoded updates)")
            }
        case .notMicrocode(let reason):
            if explicit { throw InputError(path: path, reason: "not microcode: \(reason)") }
            skipped.append(SkippedFile(path: path, reason: reason))
        case .unknownBinary:
            throw InputError(path: path, offset: 0, reason: "not a known microcode format (neither an Intel update nor an AMD container)")
        }
    }
}
