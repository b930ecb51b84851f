#if canImport(Glibc)
import Glibc
#endif

/// What is wrong with an input or an output, one enum per concern. Code
/// that needs to tell problems apart (tests, callers) matches these cases;
/// `description` is the sentence an administrator reads, and the wrapper
/// (`InputError`, `FileError`, `ParseError`) adds the file, offset or line.
public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
    case microcode(MicrocodeError)
    case host(HostError)
    case archive(ArchiveError)
    case image(ImageError)
    case config(ConfigError)
    case grub(GrubError)
    /// An installed kernel or Xen image that cannot be read (Loaders/Binaries/).
    case loaderBinary(LoaderBinaryError)
    /// xen.efi's configuration, PE images (xen.efi, unified kernel
    /// images), the EFI system partition (Integration/EFIError.swift).
    case efi(EFIError)
    /// Reading or writing a file (the operating system's reason, sizes).
    case file(FileProblem)
    /// A file or folder someone other than root could have planted.
    case untrusted(Untrusted)
    /// A read past the end of the bytes a parser was given: a length the
    /// parser did not check first (`Bytes.swift`).
    case truncated(need: Int, left: Int)

    public var description: String {
        switch self {
        case .microcode(let error): error.description
        case .host(let error): error.description
        case .archive(let error): error.description
        case .image(let error): error.description
        case .config(let error): error.description
        case .grub(let error): error.description
        case .loaderBinary(let error): error.description
        case .efi(let error): error.description
        case .file(let problem): problem.description
        case .untrusted(let untrusted): untrusted.description
        case .truncated(let need, let left): "truncated: need \(need) byte\(need == 1 ? "" : "s"), \(left) left"
        }
    }
}

/// A structural problem found at a byte offset of an input.
///
/// Parsers see only bytes, never paths; the code that opened the file wraps
/// this into an ``InputError`` so the message names the file too.
public struct ParseError: Error, Sendable, Equatable {
    public var offset: Int
    public var problem: Problem

    public init(offset: Int, _ problem: Problem) {
        self.offset = offset
        self.problem = problem
    }

    public var reason: String { problem.description }
}

/// A problem with one input file: what an administrator sees, on one line.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// Byte offset in the file, when the problem has one.
    public var offset: Int?
    /// Line number (1-based) for text inputs.
    public var line: Int?
    public var problem: Problem

    public init(path: String, offset: Int? = nil, line: Int? = nil, _ problem: Problem) {
        self.path = path
        self.offset = offset
        self.line = line
        self.problem = problem
    }

    public init(path: String, _ error: ParseError) {
        self.init(path: path, offset: error.offset, error.problem)
    }

    /// A file that could not be read, as an input problem.
    public init(_ error: FileError) {
        self.init(path: error.path, .file(error.problem))
    }

    public var reason: String { problem.description }

    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        if let offset { text += ": offset \(offset) (\(Hex.offset(offset)))" }
        // Paths and reasons can quote hostile bytes; keep it one line.
        return OneLine.escaped(text + ": " + reason)
    }
}

/// A failure to read or write a file, with the system's reason.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var problem: FileProblem

    public init(path: String, _ problem: FileProblem) {
        self.path = path
        self.problem = problem
    }

    /// The system call failed; `code` is its errno.
    static func errno(_ path: String, _ action: FileAction, _ code: Int32 = Glibc.errno) -> FileError {
        FileError(path: path, .system(action, errno: code))
    }

    public var reason: String { problem.description }
    public var description: String { OneLine.escaped("\(path): \(reason)") }
}

/// What was being done to a file when the system said no.
public enum FileAction: Sendable, Equatable, CustomStringConvertible {
    case open, stat, read, write, create, remove, sync, close, setMode, lock
    case openDirectory, openLock, removeStaleTemporary, removeStale
    case rename(from: String)
    case renameBackup
    case linkBackup(of: String)

    public var description: String {
        switch self {
        case .open: "cannot open"
        case .stat: "cannot stat"
        case .read: "cannot read"
        case .write: "cannot write"
        case .create: "cannot create"
        case .remove: "cannot remove"
        case .sync: "cannot sync"
        case .close: "cannot close"
        case .setMode: "cannot set mode"
        case .lock: "cannot lock"
        case .openDirectory: "cannot open directory"
        case .openLock: "cannot open lock file"
        case .removeStaleTemporary: "cannot remove stale temporary file"
        case .removeStale: "cannot remove stale file"
        case .rename(let from): "cannot rename \(from) into place"
        case .renameBackup: "cannot rename backup into place"
        case .linkBackup(let of): "cannot link backup of \(of)"
        }
    }
}

/// Reading and writing files: sizes, kinds, and the system's errors.
public enum FileProblem: Sendable, Equatable, CustomStringConvertible {
    case system(FileAction, errno: Int32)
    case notRegularFile
    /// fstat said `size`; the input may have `limit`.
    case tooLarge(size: Int, limit: Int)
    /// Read to the end (a /proc file, a growing file): more than `limit`.
    case moreThanLimit(limit: Int)
    case shrankWhileRead
    case grewWhileRead
    case shrankWhileCopied
    /// What was written did not read back the same, first at `offset`.
    case readBackDiffers(offset: Int)
    /// `read` after the parallel read failed to say why (never expected).
    case unreadable
    case noSuchDirectory
    case notADirectory
    /// AtomicFile refuses to write through a symbolic link.
    case symbolicLinkTarget
    case existsNotRegular
    case lockNotRegular
    /// A file early-ucode manages exists but is someone else's.
    case notWrittenByUs
    case existsNotRegularLeftAlone

    public var description: String {
        switch self {
        case .system(let action, let code): "\(action): \(String(cString: strerror(code)))"
        case .notRegularFile: "not a regular file"
        case .tooLarge(let size, let limit): "file is \(size) bytes, more than the \(limit) this input may have"
        case .moreThanLimit(let limit): "more than the \(limit) bytes this input may have"
        case .shrankWhileRead: "file shrank while it was read"
        case .grewWhileRead: "file grew while it was read"
        case .shrankWhileCopied: "file shrank while it was copied"
        case .readBackDiffers(let offset): "what was written reads back differently from byte \(offset) on"
        case .unreadable: "cannot read"
        case .noSuchDirectory: "no such directory"
        case .notADirectory: "not a directory"
        case .symbolicLinkTarget: "is a symbolic link; refusing to write through it (name the real file)"
        case .existsNotRegular: "exists and is not a regular file"
        case .lockNotRegular: "lock file exists and is not a regular file; remove it"
        case .notWrittenByUs: "exists and was not written by early-ucode; leaving it alone"
        case .existsNotRegularLeftAlone: "exists and is not a regular file; leaving it alone"
        }
    }
}

/// A source or configuration file that someone other than root could have
/// written (`SourceTrust`), with the fix.
public struct Untrusted: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case becameSymbolicLink
        case owner(uid: UInt32)
        case writable(by: String, mode: UInt32)
    }

    /// "it", "folder /x", or the resolved path.
    public var subject: String
    public var reason: Reason
    /// The command that fixes it.
    public var fix: String
    /// The option that reads it anyway.
    public var override: String

    public var description: String {
        let problem = switch reason {
        case .becameSymbolicLink: "changed into a symbolic link while being checked"
        case .owner(let uid): "is owned by uid \(uid), not root"
        case .writable(let who, let mode): "is writable by \(who) (mode \(String(mode, radix: 8)))"
        }
        return "refusing to read as root: \(subject) \(problem); fix with `\(fix)`, or pass \(override)"
    }
}
