#if canImport(Glibc)
import Glibc
#endif

/// What an installed loader binary says about itself: its version and the
/// AMD digest list it checks patches against, read from its own bytes, so
/// a prediction holds for the binary that will boot.
public struct LoaderBinary: Sendable {
    /// `.linux` or `.xen`.
    public var loader: BootLoader
    public var path: String
    /// nil: unknown (see `problem`).
    public var version: LoaderVersion?
    /// As found in the binary: the bzImage header string, Xen's version string.
    public var versionText: String?
    /// The kernel payload's, or `.gzip` for xen.gz; nil for xen.efi.
    public var compression: Compression?
    /// nil: the binary holds no digest table (Linux 6.1, or before 6.6.81
    /// and 6.12.18; Xen before 4.17.6), so it does not check digests.
    public var digests: [PatchDigest]?
    /// Why it could not be read; version and digests are then nil.
    public var problem: InputError?
    /// Read from the cache rather than from the binary.
    public var fromCache = false

    public init(loader: BootLoader, path: String, version: LoaderVersion? = nil, versionText: String? = nil,
                compression: Compression? = nil, digests: [PatchDigest]? = nil, problem: InputError? = nil) {
        self.loader = loader
        self.path = path
        self.version = version
        self.versionText = versionText
        self.compression = compression
        self.digests = digests
        self.problem = problem
    }

    /// Whether the binary's digest list holds this patch with this SHA-256.
    /// False when it has no list: ask `digests == nil` for "does not check".
    public func lists(_ patchID: UInt32, sha256: [UInt8]) -> Bool {
        digests?.contains { $0.patchID == patchID && $0.sha256 == sha256 } ?? false
    }
}

public enum LoaderBinaries {
    /// Kernels are about 12 MB, Xen 4.20's xen.efi 29 MB.
    public static let readLimit = 128 << 20

    /// Reads one binary (with the cache when given). Never throws: an
    /// unreadable binary is a value with `problem` set.
    public static func read(_ path: String, as loader: BootLoader, cache: LoaderBinaryCache?) -> LoaderBinary {
        read(path, as: loader, cache: cache, bound: .standard)
    }

    /// As `read(_:as:cache:)`, decompressing within `bound` (tests make it small).
    public static func read(_ path: String, as loader: BootLoader, cache: LoaderBinaryCache?, bound: DecompressionBound) -> LoaderBinary {
        func failed(_ error: InputError) -> LoaderBinary { LoaderBinary(loader: loader, path: path, problem: error) }
        var info = stat()
        guard stat(path, &info) == 0 else { return failed(InputError(path: path, .file(.system(.stat, errno: errno)))) }
        let before = FileIdentity(info)
        if let cache, let hit = cache.lookup(path, as: loader, identity: before) { return hit }

        let bytes: [UInt8]
        do throws(FileError) {
            bytes = try FileIO.read(path, limit: readLimit)
        } catch {
            return failed(InputError(error))
        }
        let binary: LoaderBinary
        do throws(ParseError) {
            binary = try parse(bytes, path: path, as: loader, bound: bound)
        } catch {
            return failed(InputError(path: path, error))
        }
        // Only what was read from a file that stayed the same is cached: a
        // package upgrade replacing it meanwhile must not pin the old answer
        // to the new file's identity.
        if let cache, bytes.count == before.size, FileIdentity(path: path) == before {
            cache.store(binary, identity: before)
        }
        return binary
    }

    /// The binary in `bytes`, as `loader`'s image format.
    static func parse(_ bytes: [UInt8], path: String, as loader: BootLoader, bound: DecompressionBound) throws(ParseError) -> LoaderBinary {
        switch loader {
        case .linux:
            let (image, digests) = try KernelImage.read(bytes, bound: bound)
            return LoaderBinary(loader: .linux, path: path, version: image.release, versionText: image.versionText,
                                compression: image.compression, digests: digests)
        case .xen:
            let image = try XenImage.read(bytes, bound: bound)
            return LoaderBinary(loader: .xen, path: path, version: image.version, versionText: image.versionText,
                                compression: image.compression, digests: image.digests)
        }
    }

    /// /boot's kernels (`vmlinuz-*`) and Xens (`xen-*.gz` and `xen-*.efi`,
    /// both kinds), as full paths sorted bytewise; only regular files
    /// (symbolic links followed), without what GRUB 2.06's
    /// `grub_file_is_not_garbage` skips (`*.dpkg-*`, `*.rpmsave`,
    /// `*.rpmnew`, `*.sig`). A missing folder has none.
    public static func installed(in boot: String) -> (kernels: [String], xens: [String]) {
        let names = (try? FileIO.entries(of: boot)) ?? []
        func wanted(_ name: String) -> Bool {
            !(name.contains(".dpkg-") || name.hasSuffix(".rpmsave") || name.hasSuffix(".rpmnew") || name.hasSuffix(".sig"))
                && FileIO.resolvedKind(Path.join(boot, name)) == .regular
        }
        let kernels = names.filter { $0.hasPrefix("vmlinuz-") && wanted($0) }.map { Path.join(boot, $0) }
        let xens = names.filter { $0.hasPrefix("xen-") && ($0.hasSuffix(".gz") || $0.hasSuffix(".efi")) && wanted($0) }
            .map { Path.join(boot, $0) }
        return (kernels, xens)
    }
}

