import Dispatch
import Foundation
import Synchronization
import Testing

@testable import EarlyUcode

/// Lock files are removed with what they guard (AtomicFile.remove): a run
/// that was waiting for one must not go on holding a lock nobody else sees.
@Suite("File lock")
struct FileLockTests {
    /// Whether another open file description can take the lock at `path` now.
    static func free(_ path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    @Test func aWaiterStartsAgainWhenItsLockFileIsRemoved() throws {
        let tmp = try TemporaryDirectory()
        let target = tmp.file("early_ucode.cpio")
        #expect(FileManager.default.createFile(atPath: target, contents: Data([1])))
        let lockPath = AtomicFile.lockPath(for: target)
        let first = try FileLock(path: lockPath)

        // What the waiter saw once it had its lock: whether the name was
        // there and held by it.
        let seen = Mutex<(exists: Bool, held: Bool)?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            defer { done.signal() }
            guard let second = try? FileLock(path: lockPath) else { return }
            let exists = FileManager.default.fileExists(atPath: lockPath)
            seen.withLock { $0 = (exists, !FileLockTests.free(lockPath)) }
            second.release()
        }
        // Let the waiter reach flock on the first lock file, then remove it
        // as AtomicFile.remove does (name first, then the lock goes).
        usleep(100_000)
        #expect(unlink(target) == 0 && unlink(lockPath) == 0)
        first.release()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let result = try #require(seen.withLock { $0 })
        #expect(result.exists, "the waiter holds a lock on a removed name")
        #expect(result.held, "a new run could take the lock while the waiter holds its own")
    }

    @Test func removeTakesTheFileAndItsLock() throws {
        let tmp = try TemporaryDirectory()
        let target = tmp.file("x.cpio")
        try AtomicFile.write(to: target) { sink in try sink.write([1, 2, 3][...]) }
        #expect(try tmp.contents() == [".x.cpio.lock", "x.cpio"])
        try AtomicFile.remove(target)
        #expect(try tmp.contents() == [])
        #expect(throws: FileError.self) { try AtomicFile.remove(target) }
        #expect(try tmp.contents() == [], "a failed remove leaves no lock file")
    }
}
