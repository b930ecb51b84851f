import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// What the hardening tests need, under names of their own (the rest of
/// the suite has its own builders and runners, changed by others).
enum HostileFabricate {
    /// One valid Intel update: 48-byte header, data, checksum right,
    /// 1024 bytes in all.
    static func intelUpdate(signature: UInt32, revision: UInt32 = 0x10, platforms: UInt32 = 0x01) -> [UInt8] {
        var words: [UInt32] = [1, revision, 0x0306_2023, signature, 0, 1, platforms, 976, 1024, 0, 0, 0]
        for index in 0..<(976 / 4) { words.append(UInt32(truncatingIfNeeded: index) &* 0x9E37_79B9 ^ signature) }
        words[4] = 0 &- words.reduce(0, &+)
        return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
    }

    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw HostileTestError("cannot create \(path)")
        }
        try setMode(path, mode)
    }

    static func setMode(_ path: String, _ mode: mode_t) throws {
        guard chmod(path, mode) == 0 else { throw HostileTestError("chmod \(path): errno \(errno)") }
    }

    static func setOwner(_ path: String, uid: uid_t) throws {
        guard lchown(path, uid, gid_t(bitPattern: -1)) == 0 else { throw HostileTestError("chown \(path): errno \(errno)") }
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    static var isRoot: Bool { geteuid() == 0 }
}

struct HostileTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A private folder (mode 0700, root's when the tests run as root) under
/// the temporary directory, removed at the end.
final class HostileScratch: @unchecked Sendable {
    let path: String

    init() throws {
        var base = NSTemporaryDirectory()
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array((base + "/early-ucode-hardening.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base)
        }
        guard let made else {
            throw HostileTestError("mkdtemp: errno \(errno)")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func directory(_ name: String, mode: mode_t = 0o755) throws -> String {
        let dir = file(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try HostileFabricate.setMode(dir, mode)
        return dir
    }

    /// Names in the folder, hidden ones included, sorted.
    func contents(_ name: String? = nil) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: name.map(file) ?? path).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
