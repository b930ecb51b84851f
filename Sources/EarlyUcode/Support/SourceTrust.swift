#if canImport(Glibc)
import Glibc
#endif

/// Whether a file that early-ucode reads as root could have been written
/// by someone other than root. It runs on every kernel upgrade and writes
/// what the CPU loads before anything else, so microcode a user could
/// plant (a file they own or may write, or one in a folder where they may
/// swap files) must not be read; package tools and sudo refuse such files
/// for the same reason.
///
/// A path is trusted when, after resolving symbolic links, the file and
/// every folder up to `/` are owned by root and writable by no group and
/// no other user. One exception, as for `/tmp`: a folder writable by all
/// but sticky and owned by root, because there nobody can rename or
/// replace an entry they do not own, and the entry itself is checked.
public struct SourceTrust: Sendable {
    /// Who must own the file and every folder above it: root.
    public var owner: uid_t
    /// What the refusal tells the administrator to pass to go ahead anyway.
    public var overrideHint: String

    public init(owner: uid_t = 0, overrideHint: String = "--allow-insecure-sources") {
        self.owner = owner
        self.overrideHint = overrideHint
    }

    /// The policy for this process: checks only when running as root (a
    /// user's own files are theirs to trust) and not overridden.
    public static func whenRoot(allowInsecure: Bool) -> SourceTrust? {
        geteuid() == 0 && !allowInsecure ? SourceTrust() : nil
    }

    /// Throws, naming `path` and the component at fault and saying how to
    /// fix it, unless `path` is trusted. A path that does not exist passes:
    /// reading it reports that better.
    public func check(_ path: String) throws(InputError) {
        var checked: Set<String> = []
        try check(path, skipping: &checked)
    }

    /// The same, skipping folders already in `checked` and adding those it
    /// checks: a firmware folder's files share all their ancestors.
    public func check(_ path: String, skipping checked: inout Set<String>) throws(InputError) {
        guard let resolved = Self.realPath(path) else { return }
        var component = resolved
        var isFirst = true
        while true {
            if !isFirst, checked.contains(component) { return }
            try checkOne(component, isTarget: isFirst, named: path)
            if !isFirst { checked.insert(component) }
            isFirst = false
            guard component != "/" else { return }
            component = Path.split(component).directory
        }
    }

    private func checkOne(_ component: String, isTarget: Bool, named path: String) throws(InputError) {
        var info = stat()
        guard lstat(component, &info) == 0 else {
            // Gone between realpath and now: the read will say so.
            return
        }
        let kind = info.st_mode & S_IFMT
        if isTarget && kind != S_IFREG && kind != S_IFDIR && kind != S_IFLNK {
            // A device or FIFO is never read (not a regular file); telling
            // the administrator to chmod /dev/zero would be wrong.
            return
        }
        let subject = !isTarget ? "folder \(component)" : (component == path ? "it" : component)
        if kind == S_IFLNK {
            // realpath resolved every link; one here was made since.
            throw refusal(path, subject: subject, component: component, .becameSymbolicLink, fix: "ls -l")
        }
        try judge(info, component: component, subject: subject, named: path)
    }

    /// Checks a file by the status of its open descriptor (fstat), for a
    /// file listed (not through a symbolic link) in a folder that passed
    /// `check`: what is judged is then exactly what was read, and the
    /// folder's path was resolved once for all its files, not per file.
    public func checkOpened(_ path: String, status info: stat) throws(InputError) {
        try judge(info, component: path, subject: "it", named: path)
    }

    /// Owner and write permission of one component, from its status.
    private func judge(_ info: stat, component: String, subject: String, named path: String) throws(InputError) {
        let mode = info.st_mode & 0o7777
        if info.st_uid != owner {
            throw refusal(path, subject: subject, component: component, .owner(uid: UInt32(info.st_uid)), fix: "chown root:root")
        }
        let groupOrOtherWrite = mode & (S_IWGRP | S_IWOTH)
        guard groupOrOtherWrite != 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR, mode & S_ISVTX != 0 {
            // Sticky and root-owned: others may add entries (each checked
            // on its own) but not replace root's.
            return
        }
        let who = groupOrOtherWrite == S_IWGRP ? "its group" : (groupOrOtherWrite == S_IWOTH ? "all users" : "its group and all users")
        throw refusal(path, subject: subject, component: component, .writable(by: who, mode: UInt32(mode)), fix: "chmod go-w")
    }

    private func refusal(_ path: String, subject: String, component: String, _ reason: Untrusted.Reason, fix command: String) -> InputError {
        let fix = "\(command) \(Self.shellQuoted(component))"
        return InputError(path: path, .untrusted(Untrusted(subject: subject, reason: reason, fix: fix, override: overrideHint)))
    }

    /// The canonical path (every symbolic link, `.` and `..` resolved), or
    /// nil when it does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `text` as one shell word, for the fix the message suggests.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "/._-+,:@".unicodeScalars.contains($0)
        }
        guard !plain || text.isEmpty else { return text }
        var out = "'"
        for character in text { out += character == "'" ? "'\\''" : String(character) }
        return out + "'"
    }
}
