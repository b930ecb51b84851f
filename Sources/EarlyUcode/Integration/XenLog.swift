#if canImport(Glibc)
import Glibc
#endif

/// Where `check` reads Xen's log (`xl dmesg`) from.
public enum XenLogSource: Sendable, Equatable {
    /// Not read.
    case none
    /// A capture in a file (`check --xen-log FILE`).
    case file(String)
    /// The log given as bytes (tests, fleet tools), with what it is called.
    case bytes([UInt8], name: String)
    /// `xl dmesg` on this host, when it is Xen's dom0 (`/proc/xen/capabilities`
    /// under `root` says `control_d`).
    case running(root: String)

    /// What findings name as the log.
    public var name: String? {
        switch self {
        case .none: nil
        case .file(let path): path
        case .bytes(_, let name): name
        case .running: "xl dmesg"
        }
    }

    /// The log's bytes and name; nil when there is none to read (not dom0,
    /// `xl` missing or failing). A named file that cannot be read is an error.
    public func read() throws(FileError) -> (bytes: [UInt8], source: String)? {
        switch self {
        case .none:
            return nil
        case .file(let path):
            return (try FileIO.read(path, limit: XenLog.limit), path)
        case .bytes(let bytes, let name):
            return (bytes, name)
        case .running(let root):
            guard XenLog.isDom0(root: root), let log = XenLog.capture() else { return nil }
            return (log, "xl dmesg")
        }
    }
}

/// `xl dmesg`, run with a bound on its size and its time: `check` must
/// answer even when the toolstack is wedged.
public enum XenLog {
    static let limit = 16 << 20
    static let secondsToWait = 10

    /// dom0 is the only domain whose `xl dmesg` shows Xen's boot and late loads.
    public static func isDom0(root: String = "/") -> Bool {
        let path = root == "/" ? "/proc/xen/capabilities" : Path.join(root, "proc/xen/capabilities")
        guard let bytes = try? FileIO.read(path, limit: 4096) else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("control_d")
    }

    /// Runs `xl dmesg` and keeps its output; nil when it cannot be had (not
    /// installed, xenstored down, too slow).
    public static func capture(xl candidates: [String] = ["/usr/sbin/xl", "/usr/lib/xen-common/bin/xen-toolstack"]) -> [UInt8]? {
        guard let xl = candidates.first(where: { access($0, X_OK) == 0 }), xl.hasSuffix("/xl") else { return nil }
        var pipes: [Int32] = [0, 0]
        guard pipe(&pipes) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipes[0])
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(xl), strdup("dmesg"), nil]
        defer { for arg in argv { free(arg) } }
        let spawned = posix_spawn(&pid, xl, &actions, nil, argv, nil)
        close(pipes[1])
        defer { close(pipes[0]) }
        guard spawned == 0 else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let limitSeconds = deadline.tv_sec + secondsToWait
        while output.count < limit {
            var poller = pollfd(fd: pipes[0], events: Int16(POLLIN), revents: 0)
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            guard now.tv_sec < limitSeconds, poll(&poller, 1, 1000) >= 0 else { break }
            if poller.revents == 0 { continue }
            let got = buffer.withUnsafeMutableBytes { read(pipes[0], $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            output += buffer[..<got]
        }
        var status: Int32 = 0
        // EOF comes just before the exit; give it two seconds to finish.
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) != 0 { return status == 0 ? output : nil }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }
}
