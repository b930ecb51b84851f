#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What was read from installed loader binaries, kept between runs:
/// decompressing a kernel costs time (xz on Debian 12: about 0.6 s), and
/// `check` reads every kernel in /boot.
///
/// One small file per binary in `directory` (`/var/cache/early-ucode`,
/// mode 0755, root's), written through `AtomicFile` (mode 0644; its lock
/// file sits beside it). An entry is used only when it names the same path
/// and loader and the binary still has the identity it had when read
/// (device, inode, size, mtime to the nanosecond): a package upgrade
/// renames a new file into place. Anything else (missing, damaged, too
/// large, someone else's, for another file) is a miss, read again from the
/// binary and rewritten. An entry is trusted for what it holds and no
/// more: it is parsed strictly, and the version is derived again from its
/// text by the same rule as from the binary.
///
/// A cache that cannot be used or written is not an error: reading goes
/// on from the binaries, and `note` says why, once.
public final class LoaderBinaryCache: Sendable {
    public static let defaultDirectory = "/var/cache/early-ucode"
    public let directory: String
    private let state = Mutex(State())

    private struct State {
        var note: String?
        /// The directory's trust, checked once (as root: SourceTrust).
        var refusal: String??
        var writesFailed = false
    }

    public init(directory: String = LoaderBinaryCache.defaultDirectory) {
        self.directory = directory
    }

    /// Why the cache was not used or not written, if it was not; at most one.
    public var note: String? { state.withLock { $0.note } }

    private func noteOnce(_ text: String) {
        state.withLock { state in
            if state.note == nil { state.note = OneLine.escaped(text) }
        }
    }

    /// The file that holds `path`'s entry for `loader`: the loader, the
    /// file's name made safe, and a hash of the whole path (two kernels of
    /// one name in different folders get different entries).
    public func entryPath(for path: String, as loader: BootLoader) -> String {
        let base = Path.split(path).base.utf8.prefix(64).map { byte -> Character in
            let safe = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+")
            return safe ? Character(UnicodeScalar(byte)) : "_"
        }
        // FNV-1a, 64 bits: a stable name, not a security boundary (the
        // entry itself names its path and is checked against it).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Path.join(directory, "\(loader.rawValue)-\(String(base))-\(Hex.padded(String(hash, radix: 16), to: 16))")
    }

    /// The cached reading of `path`, when its entry matches `identity`.
    func lookup(_ path: String, as loader: BootLoader, identity: FileIdentity) -> LoaderBinary? {
        guard trusted() else { return nil }
        guard let bytes = Self.readEntry(entryPath(for: path, as: loader)) else { return nil }
        guard let entry = try? LoaderBinaryCacheEntry.parse(bytes),
              entry.path == path, entry.loader == loader, entry.identity == identity,
              var binary = entry.binary
        else { return nil }
        binary.fromCache = true
        return binary
    }

    /// Keeps what was read from `binary` (a binary that could not be read is
    /// not kept: its problem is found again next time).
    func store(_ binary: LoaderBinary, identity: FileIdentity) {
        guard binary.problem == nil, let versionText = binary.versionText else { return }
        let entry = LoaderBinaryCacheEntry(path: binary.path, loader: binary.loader, identity: identity, versionText: versionText,
                                           compression: binary.compression, digests: binary.digests)
        // Beyond what a parse accepts back (a table over the cap): not kept.
        guard let bytes = entry.encoded() else { return }
        guard !state.withLock({ $0.writesFailed }) else { return }
        func failed(_ reason: String) {
            state.withLock { $0.writesFailed = true }
            noteOnce("loader cache \(directory) not written: \(reason)")
        }
        var info = stat()
        if lstat(directory, &info) != 0 {
            guard errno == ENOENT else { return failed(FileError.errno(directory, .stat).description) }
            // Only the last component: its parent (/var/cache) is the system's.
            guard mkdir(directory, 0o755) == 0 || errno == EEXIST else { return failed(FileError.errno(directory, .create).description) }
            _ = chmod(directory, 0o755)
            state.withLock { $0.refusal = nil }
        }
        guard trusted() else { return }
        let file = entryPath(for: binary.path, as: binary.loader)
        // AtomicFile keeps an existing file's mode; an entry someone made
        // group-writable would stay so, and be refused forever.
        if lstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o7777 != 0o644 || info.st_uid != geteuid() {
            unlink(file)
        }
        do {
            try AtomicFile.write(to: file, options: AtomicFile.Options(mode: 0o644)) { sink in try sink.write(bytes[...]) }
        } catch let error as FileError {
            failed(error.description)
        } catch {
            failed("\(error)")
        }
    }

    /// As root, the directory and every folder above it must be root's and
    /// writable by nobody else (SourceTrust), or an entry someone planted
    /// would decide what `check` says. Checked once.
    private func trusted() -> Bool {
        if let known = state.withLock({ $0.refusal }) { return known == nil }
        var refusal: String?
        if geteuid() == 0 {
            do throws(InputError) {
                try SourceTrust().check(directory)
            } catch {
                if case .untrusted(let untrusted) = error.problem {
                    let reason = switch untrusted.reason {
                    case .becameSymbolicLink: "changed into a symbolic link"
                    case .owner(let uid): "is owned by uid \(uid), not root"
                    case .writable(let who, let mode): "is writable by \(who) (mode \(String(mode, radix: 8)))"
                    }
                    refusal = "loader cache \(directory) not used: \(untrusted.subject) \(reason); fix with `\(untrusted.fix)`"
                } else {
                    refusal = "loader cache \(directory) not used: \(error.description)"
                }
            }
        }
        state.withLock { $0.refusal = .some(refusal) }
        if let refusal { noteOnce(refusal) }
        return refusal == nil
    }

    /// An entry's bytes: a regular file (never through a symbolic link),
    /// owned by this user or root, writable by no one else, at most
    /// `LoaderBinaryCacheEntry.sizeLimit` bytes. nil for anything else.
    static func readEntry(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              info.st_uid == geteuid() || info.st_uid == 0, info.st_mode & 0o022 == 0,
              info.st_size <= LoaderBinaryCacheEntry.sizeLimit
        else { return nil }
        let limit = LoaderBinaryCacheEntry.sizeLimit + 1
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: limit) { buffer, count in
            count = FileIO.readFully(fd, into: UnsafeMutableRawBufferPointer(buffer), failure: &failure)
        }
        guard failure == 0, bytes.count <= LoaderBinaryCacheEntry.sizeLimit else { return nil }
        return bytes
    }
}

/// One cache file. Text, one field per line, in this order:
///
///     early-ucode loader-binary-cache 1
///     path 2f626f6f742f766d6c696e757a2d...      the binary's path, hex of its bytes
///     loader linux                               or xen
///     identity DEVICE INODE SIZE MTIME NSEC      decimal
///     version-text 6.1.0-57-amd64 (...) ...      printable ASCII, 1 to 512 bytes
///     compression xz                             or none
///     digests 79                                 or none
///     08001227 <64 hex digits>                   that many lines, ids ascending
///     end
///
/// Every line ends with a newline, hexadecimal is lower case, numbers have
/// no sign (but MTIME may be negative) and no leading zeros. Anything else
/// is a damaged entry.
public struct LoaderBinaryCacheEntry: Sendable, Equatable {
    public var path: String
    public var loader: BootLoader
    public var identity: FileIdentity
    public var versionText: String
    public var compression: Compression?
    public var digests: [PatchDigest]?

    public init(path: String, loader: BootLoader, identity: FileIdentity, versionText: String,
                compression: Compression?, digests: [PatchDigest]?) {
        self.path = path
        self.loader = loader
        self.identity = identity
        self.versionText = versionText
        self.compression = compression
        self.digests = digests
    }

    static let magic = "early-ucode loader-binary-cache 1"
    /// Real tables hold 41 (Xen) and 79 (Linux 6.12) digests.
    public static let digestLimit = 4096
    static let pathLimit = 4096
    /// A full table and the longest path and text, with room to spare.
    public static let sizeLimit = 320 << 10

    /// The binary this entry stands for, its version derived from the text
    /// as from the binary itself; nil when the text yields none.
    public var binary: LoaderBinary? {
        let version = switch loader {
        case .linux: KernelImage.release(from: versionText)
        case .xen: LoaderVersion(parsing: versionText)
        }
        guard let version else { return nil }
        return LoaderBinary(loader: loader, path: path, version: version, versionText: versionText,
                            compression: compression, digests: digests)
    }

    /// The file's bytes; nil when a field is outside what `parse` accepts.
    public func encoded() -> [UInt8]? {
        guard !path.isEmpty, path.utf8.count <= Self.pathLimit, Self.isText(Array(versionText.utf8)),
              (digests?.count ?? 0) <= Self.digestLimit
        else { return nil }
        var text = Self.magic + "\n"
        text += "path " + path.utf8.map { Hex.padded(String($0, radix: 16), to: 2) }.joined() + "\n"
        text += "loader \(loader.rawValue)\n"
        text += "identity \(identity.device) \(identity.inode) \(identity.size) \(identity.modifiedSeconds) \(identity.modifiedNanoseconds)\n"
        text += "version-text \(versionText)\n"
        text += "compression \(compression?.rawValue ?? "none")\n"
        if let digests {
            var previous: UInt32?
            text += "digests \(digests.count)\n"
            for digest in digests {
                guard digest.sha256.count == 32, previous.map({ digest.patchID > $0 }) ?? true else { return nil }
                previous = digest.patchID
                text += Hex.padded(String(digest.patchID, radix: 16), to: 8) + " "
                text += digest.sha256.map { Hex.padded(String($0, radix: 16), to: 2) }.joined() + "\n"
            }
        } else {
            text += "digests none\n"
        }
        text += "end\n"
        let bytes = Array(text.utf8)
        return bytes.count <= Self.sizeLimit ? bytes : nil
    }

    /// Parses an entry strictly; the error's offset is the start of the line at fault.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> LoaderBinaryCacheEntry {
        guard bytes.count <= sizeLimit else { throw damaged(0, "more than \(sizeLimit) bytes") }
        var reader = LineReader(bytes: bytes)

        try reader.expect(Array(magic.utf8), "not a loader cache entry of format 1")
        let pathHex = try reader.field("path")
        guard !pathHex.isEmpty, pathHex.count % 2 == 0, pathHex.count <= 2 * pathLimit,
              let pathBytes = hexBytes(pathHex), !pathBytes.contains(0)
        else { throw damaged(reader.lineStart, "bad path") }
        let path = String(decoding: pathBytes, as: UTF8.self)
        guard Array(path.utf8) == pathBytes else { throw damaged(reader.lineStart, "path is not UTF-8") }

        let loaderText = try reader.field("loader")
        guard let loader = BootLoader(rawValue: String(decoding: loaderText, as: UTF8.self)), Array(loader.rawValue.utf8) == Array(loaderText)
        else { throw damaged(reader.lineStart, "bad loader") }

        let numbers = try reader.field("identity").split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard numbers.count == 5,
              let device = decimal(numbers[0]), let inode = decimal(numbers[1]),
              let size = decimal(numbers[2]), size <= UInt64(Int.max),
              let seconds = signedDecimal(numbers[3]),
              let nanoseconds = decimal(numbers[4]), nanoseconds < 1_000_000_000
        else { throw damaged(reader.lineStart, "bad identity") }
        let identity = FileIdentity(device: device, inode: inode, size: Int(size), modifiedSeconds: seconds,
                                    modifiedNanoseconds: Int(nanoseconds))

        let text = try reader.field("version-text")
        guard isText(Array(text)) else { throw damaged(reader.lineStart, "bad version text") }
        let versionText = String(decoding: text, as: UTF8.self)

        let compressionText = String(decoding: try reader.field("compression"), as: UTF8.self)
        let compression: Compression?
        if compressionText == "none" {
            compression = nil
        } else if let known = Compression(rawValue: compressionText) {
            compression = known
        } else {
            throw damaged(reader.lineStart, "bad compression")
        }

        let countText = try reader.field("digests")
        var digests: [PatchDigest]?
        if !countText.elementsEqual("none".utf8) {
            guard let count = decimal(countText), count >= 1, count <= UInt64(digestLimit) else {
                throw damaged(reader.lineStart, "bad digest count")
            }
            var table: [PatchDigest] = []
            table.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                let line = try reader.line()
                guard line.count == 8 + 1 + 64, line[line.startIndex + 8] == UInt8(ascii: " "),
                      let id = hexBytes(line.prefix(8)), let digest = hexBytes(line.suffix(64))
                else { throw damaged(reader.lineStart, "bad digest line") }
                let patchID = id.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                guard table.last.map({ patchID > $0.patchID }) ?? true else { throw damaged(reader.lineStart, "patch ids not ascending") }
                table.append(PatchDigest(patchID: patchID, sha256: digest))
            }
            digests = table
        }
        try reader.expect(Array("end".utf8), "no end line")
        guard reader.atEnd else { throw damaged(reader.offset, "bytes after the end line") }
        return LoaderBinaryCacheEntry(path: path, loader: loader, identity: identity, versionText: versionText,
                                      compression: compression, digests: digests)
    }

    static func damaged(_ offset: Int, _ reason: String) -> ParseError {
        ParseError(offset: offset, .loaderBinary(.damagedCacheEntry(reason)))
    }

    /// Printable ASCII, 1 to 512 bytes: what both image readers accept.
    static func isText(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.count <= KernelImage.versionTextLimit && bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
    }

    /// Lower-case hexadecimal pairs as bytes.
    static func hexBytes(_ digits: some Collection<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for byte in digits {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if let value = high {
                out.append(value << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }

    /// Digits only, no leading zero (but "0"), within UInt64.
    static func decimal(_ digits: some Collection<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20, digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    static func signedDecimal(_ digits: ArraySlice<UInt8>) -> Int? {
        if digits.first == UInt8(ascii: "-") {
            guard let magnitude = decimal(digits.dropFirst()), magnitude != 0, magnitude <= UInt64(Int.max) else { return nil }
            return -Int(magnitude)
        }
        guard let value = decimal(digits), value <= UInt64(Int.max) else { return nil }
        return Int(value)
    }

    /// Lines of an entry, each ending in a newline.
    private struct LineReader {
        let bytes: [UInt8]
        var offset = 0
        var lineStart = 0

        var atEnd: Bool { offset == bytes.count }

        /// The next line without its newline.
        mutating func line() throws(ParseError) -> ArraySlice<UInt8> {
            lineStart = offset
            guard let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw LoaderBinaryCacheEntry.damaged(offset, atEnd ? "ends early" : "last line has no newline")
            }
            offset = newline + 1
            return bytes[lineStart..<newline]
        }

        mutating func expect(_ wanted: [UInt8], _ reason: String) throws(ParseError) {
            guard try line().elementsEqual(wanted) else { throw LoaderBinaryCacheEntry.damaged(lineStart, reason) }
        }

        /// The value of a `key value` line.
        mutating func field(_ key: String) throws(ParseError) -> ArraySlice<UInt8> {
            let text = try line()
            let prefix = Array((key + " ").utf8)
            guard text.starts(with: prefix) else { throw LoaderBinaryCacheEntry.damaged(lineStart, "expected \(key)") }
            return text.dropFirst(prefix.count)
        }
    }
}
