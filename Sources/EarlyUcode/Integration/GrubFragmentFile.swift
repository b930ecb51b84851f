#if canImport(Glibc)
import Glibc
#endif

/// early-ucode's file in GRUB's defaults folder (`/etc/default/grub.d/
/// zz-early-ucode.cfg`): the operations `early-ucode grub` performs, kept
/// here so they are tested in-process. A file of that name that early-ucode
/// did not write is never touched.
public struct GrubFragmentFile: Sendable, Equatable {
    /// The folder update-grub reads `*.cfg` files from.
    public var directory: String
    public var path: String { Path.join(directory, GrubDefaults.fragmentName) }

    public init(directory: String = GrubDefaults.defaultDirectory) {
        self.directory = directory
    }

    /// What `enable` and `disable` did.
    public enum Outcome: Sendable, Equatable {
        case written(GrubFragment.Mode)
        case removed
        /// Already as wanted.
        case unchanged
        /// EARLY_UCODE_XEN=no and no file: nothing to do.
        case notWanted
    }

    /// The file's text when it exists and is early-ucode's; an error when
    /// something else owns the name.
    public func existing() throws(FileError) -> String? {
        switch FileIO.kind(path) {
        case .missing:
            return nil
        case .regular:
            let text = String(decoding: try FileIO.read(path, limit: 1 << 20), as: UTF8.self)
            guard text.hasPrefix(GrubFragment.marker + "\n") else {
                throw FileError(path: path, .notWrittenByUs)
            }
            return text
        default:
            throw FileError(path: path, .existsNotRegularLeftAlone)
        }
    }

    /// Writes the file for `xen` (atomically), or removes it for `no`.
    public func enable(_ xen: EarlyUcodeConfig.XenMode) throws -> Outcome {
        guard let mode = GrubFragment.Mode(xen) else {
            guard try existing() != nil else { return .notWanted }
            try AtomicFile.remove(path)
            return .removed
        }
        let content = GrubFragment.content(mode)
        if try existing() == content { return .unchanged }
        if FileIO.kind(directory) == .missing, mkdir(directory, 0o755) != 0 {
            throw FileError.errno(directory, .create)
        }
        try AtomicFile.write(to: path) { (sink: inout DescriptorSink) throws -> Void in
            try sink.write(Array(content.utf8)[...])
        }
        return .written(mode)
    }

    /// Removes the file if it is early-ucode's.
    public func disable() throws(FileError) -> Outcome {
        guard try existing() != nil else { return .unchanged }
        try AtomicFile.remove(path)
        return .removed
    }

}
