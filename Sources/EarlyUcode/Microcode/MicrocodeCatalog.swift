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

    /// The same folders below `root` (a captured tree, a test's root).
    public static func systemDefaults(under root: String) -> [MicrocodeSource] {
        guard root != "/" && !root.isEmpty else { return systemDefaults }
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return systemDefaults.map { source in
            switch source {
            case .directory(let path, let required): .directory(base + path, required: required)
            case .file(let path): .file(base + path)
            }
        }
    }

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

    public static func of(_ bytes: [UInt8]) -> MicrocodeFormat { of(bytes[...]) }

    public static func of(_ all: ArraySlice<UInt8>) -> MicrocodeFormat {
        if all.isEmpty { return .notMicrocode("empty file") }
        if AMDContainer.looksLikeContainer(all) { return .amdContainer }
        // Header version 1 is how every Intel update starts; let the parser say what is wrong with the rest.
        if (try? all.u32(at: all.startIndex)) == 1 { return .intelBinary }
        // Binary microcode always has NUL bytes in its first header; text
        // never does, nor other control bytes, nor 0xfe/0xff (never in
        // UTF-8). Without the latter, a damaged file of 0xff bytes would be
        // skipped as "text" instead of reported.
        if !all.prefix(4096).contains(where: looksBinary) {
            return IntelDatText.looksLikeDat(all) ? .intelText : .notMicrocode("text file, not microcode")
        }
        return .unknownBinary
    }

    /// A byte no text file holds: C0 controls other than tab, newline,
    /// vertical tab, form feed, carriage return and escape; DEL; 0xfe, 0xff.
    static func looksBinary(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09...0x0d, 0x1b: false
        case 0x00...0x1f, 0x7f, 0xfe, 0xff: true
        default: false
        }
    }
}

public struct SkippedFile: Sendable, Equatable {
    public var path: String
    public var reason: String
}

/// Which updates a load checks byte for byte.
public enum CheckScope: Sendable, Equatable {
    /// Every update of every file: what `list` and `check` show, and what
    /// `build --all` writes.
    case everything
    /// What a build for these CPUs could write: Intel updates whose header
    /// or extended signature table names one of them, and every AMD
    /// container and text file, in full; other Intel updates only by their
    /// headers, without reading their data (`IntelFileScan`).
    case intel(for: Set<CPUSignature>)
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
    /// Intel updates for other CPUs passed over on their headers (`CheckScope.intel`).
    public var passedOver = 0

    public init() {}

    /// The sources hold no microcode at all (updates passed over on their headers count as found).
    public var isEmpty: Bool { intel.isEmpty && amd.isEmpty && passedOver == 0 }

    /// Reads every source. A malformed file stops the load with its error
    /// (the first in source order), unless `skipInvalid`, which records it
    /// and goes on. Files are read and checked in parallel; the result does
    /// not depend on it. With `trust`, every file and folder is checked
    /// before anything is read, and one that fails stops the load whatever
    /// `skipInvalid` says: it is not damaged but possibly planted. `scope`
    /// says which updates are checked byte for byte.
    public static func load(
        _ sources: [MicrocodeSource], skipInvalid: Bool = false, trust: SourceTrust? = nil, checking scope: CheckScope = .everything
    ) throws -> MicrocodeCatalog {
        var catalog = MicrocodeCatalog()
        // `byDescriptor`: a file listed in a folder that passed the trust
        // check, not through a symbolic link; it is judged by the status
        // of the descriptor it is read from (SourceTrust.checkOpened), so
        // its path is not resolved again, component by component, per file.
        var files: [(path: String, explicit: Bool, byDescriptor: Bool)] = []
        var trusted: Set<String> = []
        for source in sources {
            switch source {
            case .file(let path):
                try trust?.check(path, skipping: &trusted)
                files.append((path, true, false))
            case .directory(let path, let required):
                switch FileIO.resolvedKind(path) {
                case .directory:
                    try trust?.check(path, skipping: &trusted)
                case .missing where !required:
                    continue
                case .missing:
                    throw InputError(path: path, .file(.noSuchDirectory))
                default:
                    throw InputError(path: path, .file(.notADirectory))
                }
                let entries: [FileIO.Entry]
                do { entries = try FileIO.listing(of: path) } catch { throw InputError(error) }
                for entry in entries {
                    let file = Path.join(path, entry.name)
                    if entry.name.hasPrefix(".") {
                        // As iucode_tool and the firmware loader do: hidden files are editor and package-manager leftovers.
                        catalog.skipped.append(SkippedFile(path: file, reason: "hidden file"))
                        continue
                    }
                    // readdir's type spares a stat per file; a link (or a
                    // file system that does not say) is looked at through.
                    let listedRegular = entry.kind == .regular
                    switch listedRegular ? .regular : FileIO.resolvedKind(file) {
                    case .regular:
                        if !listedRegular { try trust?.check(file, skipping: &trusted) }
                        files.append((file, false, listedRegular))
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

        // A scan (CheckScope.intel) is a few system calls a file, which one
        // thread does sooner than two that must be started first.
        let parallel = scope == .everything
        let opened = FileIO.openMany(files.map(\.path), parallel: parallel)
        defer { FileIO.closeAll(opened) }
        if let trust {
            // Before anything is read, and whatever skipInvalid says: a
            // file that fails is not damaged but possibly planted.
            for (file, result) in zip(files, opened) where file.byDescriptor {
                if case .success(let open) = result { try trust.checkOpened(file.path, status: open.status) }
            }
        }
        let listed = files
        let results: [Result<(contents: FileContents, passedOver: Int), InputError>]
        switch scope {
        case .everything:
            let batch = FileIO.readAll(opened)
            results = ParallelMap.map(Array(files.indices)) { index in
                switch batch.results[index] {
                case .failure(let error):
                    return .failure(InputError(error))
                case .success(let range):
                    return Result { () throws(InputError) in
                        (try FileContents.parse(batch.buffer[range], path: listed[index].path, explicit: listed[index].explicit), 0)
                    }
                }
            }
        case .intel(let wanted):
            results = ParallelMap.map(Array(files.indices), parallel: false) { index in
                switch opened[index] {
                case .failure(let error):
                    return .failure(InputError(error))
                case .success(let file):
                    return Result { () throws(InputError) in try FileContents.read(file, explicit: listed[index].explicit, intelFor: wanted) }
                }
            }
        }
        for (file, result) in zip(files, results) {
            switch result {
            case .success(let (contents, passedOver)):
                catalog.filesRead += 1
                catalog.passedOver += passedOver
                switch contents {
                case .intel(let updates): catalog.intel += updates
                case .amd(let containers): catalog.amd += containers
                case .notMicrocode(let reason): catalog.skipped.append(SkippedFile(path: file.path, reason: reason))
                }
            case .failure(let error):
                guard skipInvalid else { throw error }
                catalog.invalid.append(error)
            }
        }
        return catalog
    }
}

/// What one file turned out to hold.
enum FileContents: Sendable {
    case intel([IntelUpdate])
    case amd([AMDContainer])
    case notMicrocode(String)

    /// A file for a build for some CPUs: an Intel binary file scanned
    /// (`IntelFileScan`: updates for other CPUs passed over on their
    /// headers, and counted), anything else read whole and parsed.
    static func read(_ file: FileIO.OpenFile, explicit: Bool, intelFor wanted: Set<CPUSignature>) throws(InputError) -> (FileContents, Int) {
        func read(_ count: Int, at offset: Int) throws(InputError) -> [UInt8] {
            do { return try FileIO.read(file, count: count, at: offset) } catch { throw InputError(error) }
        }
        // The first 4 KiB tell the format as `MicrocodeFormat.of` tells it from the whole file.
        let prefix = try read(min(file.size, 4096), at: 0)
        let result: (FileContents, Int)
        if MicrocodeFormat.of(prefix) == .intelBinary {
            let scanned = try IntelFileScan.scan(file, prefix: prefix, for: wanted)
            result = (.intel(scanned.updates), scanned.passedOver)
        } else {
            let rest = file.size > prefix.count ? try read(file.size - prefix.count, at: prefix.count) : []
            result = (try parse((prefix + rest)[...], path: file.path, explicit: explicit), 0)
        }
        // Unlike FileIO.readAll, no read past the end to see whether the file
        // grew: that was a seventh of this path's system calls, and what an
        // append after fstat would hide is what a run a moment earlier would
        // not have seen either; every update taken is checked in full.
        return result
    }

    static func parse(_ bytes: ArraySlice<UInt8>, path: String, explicit: Bool) throws(InputError) -> FileContents {
        switch MicrocodeFormat.of(bytes) {
        case .amdContainer:
            do { return .amd(try AMDContainer.parseAll(bytes, path: path)) } catch { throw InputError(path: path, error) }
        case .intelBinary:
            do { return .intel(try IntelUpdate.parseAll(bytes, path: path)) } catch { throw InputError(path: path, error) }
        case .intelText:
            let text: IntelDatText
            do {
                text = try IntelDatText.decode(Array(bytes))
            } catch {
                throw InputError(path: path, offset: error.offset, line: error.line, .microcode(error.error))
            }
            do {
                return .intel(try IntelUpdate.parseAll(text.bytes, path: path))
            } catch {
                throw InputError(path: path, line: text.line(ofByte: error.offset),
                                 .microcode(.inDecodedUpdates(error.problem, byte: error.offset)))
            }
        case .notMicrocode(let reason):
            if explicit { throw InputError(path: path, .microcode(.notMicrocode(reason))) }
            return .notMicrocode(reason)
        case .unknownBinary:
            throw InputError(path: path, offset: 0, .microcode(.unknownFormat))
        }
    }
}
