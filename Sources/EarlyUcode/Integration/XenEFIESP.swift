#if canImport(Glibc)
import Glibc
#endif

/// Whose ESP it is: a mount point (FAT, no owners) or a folder that must be root's.
extension XenEFI {
    public enum ESPKind: String, Sendable, Equatable, Codable {
        case mountPoint = "mount-point"
        case folder
    }

    /// What the ESP is: a mount point, or a folder. Missing or not a folder: an error.
    public static func kind(of esp: String) throws(InputError) -> ESPKind {
        var info = stat()
        guard stat(esp, &info) == 0 else { throw InputError(path: esp, .efi(.espMissing)) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw InputError(path: esp, .efi(.espNotDirectory)) }
        var parent = stat()
        guard stat(Path.join(esp, ".."), &parent) == 0 else { return .folder }
        // Another file system below, or "/" itself.
        return parent.st_dev != info.st_dev || parent.st_ino == info.st_ino ? .mountPoint : .folder
    }

    /// As root, writing microcode and `ucode=` lines into a folder a user
    /// could write would let them decide what the CPU loads. A mounted
    /// FAT ESP has no owners to check (its files show the mount's uid), so
    /// a mount point is accepted; a plain folder must be root's and
    /// writable by nobody else, as must the folders above it and the
    /// files in it early-ucode reads (`SourceTrust`). Nil: not checked
    /// (not root, or overridden).
    public struct Trust: Sendable {
        public var kind: ESPKind
        var check: SourceTrust?
        var checked: Set<String> = []

        public static let overrideOption = "--allow-insecure-esp"

        public init(esp: String, allowInsecure: Bool) throws(InputError) {
            kind = try XenEFI.kind(of: esp)
            guard geteuid() == 0, !allowInsecure, kind == .folder else { return }
            check = SourceTrust(overrideHint: Self.overrideOption)
            try verify(esp)
        }

        /// Refuses `path` (a configuration, an image) in a folder ESP someone else could have written.
        public mutating func verify(_ path: String) throws(InputError) {
            guard let check else { return }
            do throws(InputError) {
                try check.check(path, skipping: &checked)
            } catch {
                guard case .untrusted(let untrusted) = error.problem else { throw error }
                throw InputError(path: error.path, .efi(.espUntrusted(untrusted)))
            }
        }
    }
}
