import Foundation
import Testing

@testable import EarlyUcode

/// Builders for every input the library reads, made in memory so the tests
/// never depend on real firmware being installed.
enum Fabricate {
    // MARK: - Little-endian helpers

    static func le32(_ bytes: some Collection<UInt8>, at offset: Int) -> UInt32 {
        let array = Array(bytes)
        return UInt32(array[offset]) | UInt32(array[offset + 1]) << 8
            | UInt32(array[offset + 2]) << 16 | UInt32(array[offset + 3]) << 24
    }

    static func setLE32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: value >> 16)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: value >> 24)
    }

    static func setLE16(_ bytes: inout [UInt8], at offset: Int, _ value: UInt16) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    static func appendLE32(_ bytes: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func appendLE16(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// The wrapping sum of the little-endian dwords of `bytes[range]`.
    static func dwordSum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        precondition(range.count % 4 == 0)
        var sum: UInt32 = 0
        for offset in stride(from: range.lowerBound, to: range.upperBound, by: 4) { sum &+= le32(bytes, at: offset) }
        return sum
    }

    /// Deterministic filler bytes (xorshift), different for each seed.
    static func noise(count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 0x9E37_79B9 | 1
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            out.append(UInt8(truncatingIfNeeded: state))
        }
        return out
    }

    // MARK: - Intel

    struct IntelExtended: Sendable, Hashable {
        var signature: UInt32
        var platforms: UInt32
    }

    /// Field offsets in an Intel header.
    enum IntelField {
        static let headerVersion = 0x00
        static let revision = 0x04
        static let date = 0x08
        static let signature = 0x0c
        static let checksum = 0x10
        static let loaderVersion = 0x14
        static let platforms = 0x18
        static let dataSize = 0x1c
        static let totalSize = 0x20
    }

    /// The data size that makes `48 + data + table` exactly the next
    /// multiple of 1024 at or above `48 + minimum + table`.
    static func intelDataSize(minimum: Int = 64, extendedCount: Int?) -> Int {
        let table = extendedCount.map { 20 + 12 * $0 } ?? 0
        let fixed = 48 + table
        let total = (fixed + minimum + 1023) / 1024 * 1024
        return total - fixed
    }

    /// One valid Intel update: header, `dataSize` bytes of data, and an
    /// extended signature table when `extended` is not nil, with every
    /// checksum right. `legacy` writes data size 0 (2000 bytes of data, 2048
    /// in all), as the oldest updates do.
    static func intelUpdate(
        revision: UInt32 = 0x10,
        date: UInt32 = 0x0306_2023,
        signature: UInt32 = 0x50654,
        platforms: UInt32 = 0x01,
        dataSize: Int? = nil,
        seed: UInt32 = 1,
        extended: [IntelExtended]? = nil,
        legacy: Bool = false
    ) -> [UInt8] {
        precondition(!(legacy && extended != nil), "legacy updates have no extended table")
        let data = legacy ? 2000 : (dataSize ?? intelDataSize(extendedCount: extended?.count))
        precondition(data % 4 == 0)
        let table = extended.map { 20 + 12 * $0.count } ?? 0
        let total = legacy ? 2048 : 48 + data + table
        precondition(total % 1024 == 0, "48 + data + extended table must be a multiple of 1024")

        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        appendLE32(&bytes, 1)                                   // header version
        appendLE32(&bytes, revision)
        appendLE32(&bytes, date)
        appendLE32(&bytes, signature)
        appendLE32(&bytes, 0)                                   // checksum, below
        appendLE32(&bytes, 1)                                   // loader version
        appendLE32(&bytes, platforms)
        appendLE32(&bytes, legacy ? 0 : UInt32(data))
        appendLE32(&bytes, legacy ? 0 : UInt32(total))
        appendLE32(&bytes, 0)                                   // metadata size
        appendLE32(&bytes, 0)                                   // min revision
        appendLE32(&bytes, 0)                                   // reserved
        bytes += noise(count: data, seed: seed ^ revision ^ signature)
        fixIntelChecksum(&bytes, start: 0, dataSize: data)

        if let extended {
            let checksum = le32(bytes, at: IntelField.checksum)
            let key = signature &+ platforms &+ checksum
            let tableStart = bytes.count
            appendLE32(&bytes, UInt32(extended.count))
            appendLE32(&bytes, 0)                               // table checksum, below
            bytes += [UInt8](repeating: 0, count: 12)
            for entry in extended {
                appendLE32(&bytes, entry.signature)
                appendLE32(&bytes, entry.platforms)
                appendLE32(&bytes, key &- entry.signature &- entry.platforms)
            }
            fixExtendedTableChecksum(&bytes, tableStart: tableStart, tableSize: table)
        }
        precondition(bytes.count == total)
        return bytes
    }

    /// Makes header + data of the update at `start` sum to zero again.
    static func fixIntelChecksum(_ bytes: inout [UInt8], start: Int, dataSize: Int) {
        setLE32(&bytes, at: start + IntelField.checksum, 0)
        let sum = dwordSum(bytes, start..<(start + 48 + dataSize))
        setLE32(&bytes, at: start + IntelField.checksum, 0 &- sum)
    }

    /// Makes an extended table sum to zero again.
    static func fixExtendedTableChecksum(_ bytes: inout [UInt8], tableStart: Int, tableSize: Int) {
        setLE32(&bytes, at: tableStart + 4, 0)
        let sum = dwordSum(bytes, tableStart..<(tableStart + tableSize))
        setLE32(&bytes, at: tableStart + 4, 0 &- sum)
    }

    /// Intel's text format: four `0x%08x,` words a line, with comments.
    static func dat(from bytes: [UInt8], comments: Bool = true, lineEnding: String = "\n") -> String {
        precondition(bytes.count % 4 == 0)
        var lines: [String] = []
        if comments {
            lines.append("/*  Fabricated microcode for tests  */")
            lines.append("/* 2023-03-06 */")
        }
        var words: [String] = []
        for offset in stride(from: 0, to: bytes.count, by: 4) {
            words.append("0x" + Hex.padded(String(le32(bytes, at: offset), radix: 16), to: 8) + ",")
            if words.count == 4 {
                lines.append(words.joined(separator: "\t"))
                words = []
            }
        }
        if !words.isEmpty { lines.append(words.joined(separator: "\t")) }
        return lines.joined(separator: lineEnding) + lineEnding
    }

    // MARK: - AMD

    /// One AMD patch: a 64-byte header (data_code @0, patch_id @4,
    /// processor_rev_id @24) and `size - 64` bytes of body.
    static func amdPatch(patchID: UInt32, equivalenceID: UInt16, date: UInt32 = 0x0311_2025, size: Int = 256, seed: UInt32 = 7) -> [UInt8] {
        precondition(size >= 64)
        var bytes = noise(count: size, seed: seed ^ patchID)
        setLE32(&bytes, at: 0, date)
        setLE32(&bytes, at: 4, patchID)
        setLE16(&bytes, at: 8, 0x8005)
        setLE16(&bytes, at: 24, equivalenceID)
        return bytes
    }

    struct AMDEntry: Sendable, Hashable {
        var cpu: UInt32
        var equivalenceID: UInt16
        var errataMask: UInt32 = 0
        var errataCompare: UInt32 = 0
    }

    /// A container: magic, equivalence table (with the terminating zero
    /// entry when `terminator`), then one type-1 section per patch.
    static func amdContainer(_ entries: [AMDEntry], terminator: Bool = true, patches: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [0x44, 0x4d, 0x41, 0x00]
        appendLE32(&bytes, 0)
        appendLE32(&bytes, UInt32((entries.count + (terminator ? 1 : 0)) * 16))
        for entry in entries {
            appendLE32(&bytes, entry.cpu)
            appendLE32(&bytes, entry.errataMask)
            appendLE32(&bytes, entry.errataCompare)
            appendLE16(&bytes, entry.equivalenceID)
            appendLE16(&bytes, 0)
        }
        if terminator { bytes += [UInt8](repeating: 0, count: 16) }
        for patch in patches {
            appendLE32(&bytes, 1)
            appendLE32(&bytes, UInt32(patch.count))
            bytes += patch
        }
        return bytes
    }

    // MARK: - Host

    struct FakeCPU: Sendable {
        var number: Int
        var vendor: String = "GenuineIntel"
        var family: Int = 6
        var model: Int = 85
        var stepping: Int = 4
        var microcode: String? = "0x2007006"
    }

    /// /proc/cpuinfo as an x86 kernel prints it: `key<TAB>: value` blocks
    /// separated by blank lines.
    static func cpuinfo(_ cpus: [FakeCPU]) -> String {
        var text = ""
        for cpu in cpus {
            text += "processor\t: \(cpu.number)\n"
            text += "vendor_id\t: \(cpu.vendor)\n"
            text += "cpu family\t: \(cpu.family)\n"
            text += "model\t\t: \(cpu.model)\n"
            text += "model name\t: Fabricated CPU @ 2.00GHz\n"
            text += "stepping\t: \(cpu.stepping)\n"
            if let microcode = cpu.microcode { text += "microcode\t: \(microcode)\n" }
            text += "cpu MHz\t\t: 2000.000\n"
            text += "flags\t\t: fpu vme de pse tsc msr pae\n"
            text += "power management:\n"
            text += "\n"
        }
        return text
    }

    /// A sysfs cpu folder: `cpuN/microcode/{processor_flags,version}`.
    static func sysfs(in directory: String, flags: [Int: UInt32] = [:], versions: [Int: UInt32] = [:]) throws {
        for cpu in Set(flags.keys).union(versions.keys) {
            let dir = directory + "/cpu\(cpu)/microcode"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if let value = flags[cpu] { try write("0x" + String(value, radix: 16) + "\n", to: dir + "/processor_flags") }
            if let value = versions[cpu] { try write("0x" + String(value, radix: 16) + "\n", to: dir + "/version") }
        }
    }

    // MARK: - Files

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

// MARK: - Temporary directories

/// A fresh folder under the system's temporary directory, removed when the
/// value goes away.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "early-ucode-tests") throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Creates `name` (and parents) and returns its path.
    @discardableResult
    func directory(_ name: String) throws -> String {
        let dir = file(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

// MARK: - newc walker

/// One member of a newc archive, as read back from the bytes.
struct CpioMember: Sendable {
    var headerOffset: Int
    var magic: String
    var ino: UInt32
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var nlink: UInt32
    var mtime: UInt32
    var size: Int
    var devMajor: UInt32
    var devMinor: UInt32
    var rdevMajor: UInt32
    var rdevMinor: UInt32
    var nameSize: Int
    var check: UInt32
    var name: String
    var dataOffset: Int
    var data: ArraySlice<UInt8>

    var isDirectory: Bool { mode & 0o170000 == 0o040000 }
    var isRegular: Bool { mode & 0o170000 == 0o100000 }
}

struct CpioError: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "cpio offset \(offset): \(reason)" }
}

/// Reads a newc archive the way the kernel's early scan does: 110-byte
/// ASCII headers at 4-byte aligned offsets, name padded to 4, data padded
/// to 4, up to and including `TRAILER!!!`.
enum Newc {
    static let headerSize = 110

    static func walk(_ bytes: [UInt8]) throws -> (members: [CpioMember], end: Int) {
        var members: [CpioMember] = []
        var offset = 0
        while true {
            guard offset % 4 == 0 else { throw CpioError(offset: offset, reason: "header not 4-byte aligned") }
            guard bytes.count - offset >= headerSize else { throw CpioError(offset: offset, reason: "truncated header") }
            let magic = String(decoding: bytes[offset..<(offset + 6)], as: UTF8.self)
            guard magic == "070701" else { throw CpioError(offset: offset, reason: "magic \(magic.debugDescription)") }
            var fields: [UInt32] = []
            for index in 0..<13 {
                let start = offset + 6 + index * 8
                let text = String(decoding: bytes[start..<(start + 8)], as: UTF8.self)
                guard let value = UInt32(text, radix: 16) else {
                    throw CpioError(offset: start, reason: "field \(index) is \(text.debugDescription)")
                }
                fields.append(value)
            }
            let nameSize = Int(fields[11])
            let nameStart = offset + headerSize
            guard nameSize >= 1, nameStart + nameSize <= bytes.count else {
                throw CpioError(offset: offset, reason: "bad name size \(nameSize)")
            }
            guard bytes[nameStart + nameSize - 1] == 0 else { throw CpioError(offset: nameStart, reason: "name not NUL-terminated") }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameSize - 1)], as: UTF8.self)
            let dataOffset = align(nameStart + nameSize, 4)
            let size = Int(fields[6])
            guard dataOffset + size <= bytes.count else { throw CpioError(offset: offset, reason: "data runs past the end") }
            members.append(CpioMember(
                headerOffset: offset, magic: magic, ino: fields[0], mode: fields[1], uid: fields[2], gid: fields[3],
                nlink: fields[4], mtime: fields[5], size: size, devMajor: fields[7], devMinor: fields[8],
                rdevMajor: fields[9], rdevMinor: fields[10], nameSize: nameSize, check: fields[12], name: name,
                dataOffset: dataOffset, data: bytes[dataOffset..<(dataOffset + size)]))
            offset = align(dataOffset + size, 4)
            if name == "TRAILER!!!" { return (members, offset) }
        }
    }

    static func align(_ value: Int, _ to: Int) -> Int { (value + to - 1) / to * to }
}

// MARK: - Misc

extension Array where Element == UInt8 {
    /// Loads little-endian dword `offset`, for assertions on fabricated bytes.
    func le32(at offset: Int) -> UInt32 { Fabricate.le32(self, at: offset) }
}

/// The (signature, platforms, revision) of every signature an update
/// serves, as iucode_tool lists them.
struct SignatureTriple: Hashable, Comparable, CustomStringConvertible, Sendable {
    var signature: UInt32
    var platforms: UInt32
    var revision: UInt32

    static func < (a: SignatureTriple, b: SignatureTriple) -> Bool {
        (a.signature, a.platforms, a.revision) < (b.signature, b.platforms, b.revision)
    }

    var description: String { "sig \(Hex.word(signature)) pf \(Hex.byte(platforms)) rev \(Hex.short(revision))" }
}

// MARK: - Matching problems by case

/// Whether `actual` is the same case as `expected` (`.microcode(.checksum)`),
/// whatever the values they carry: tests match cases, not message text. Pass
/// any values in `expected`; only the cases are compared.
func sameCase(_ actual: Problem, _ expected: Problem) -> Bool {
    let outer = (Mirror(reflecting: actual).children.first, Mirror(reflecting: expected).children.first)
    guard let a = outer.0, let b = outer.1 else { return actual == expected }
    guard a.label == b.label else { return false }
    let inner = (Mirror(reflecting: a.value), Mirror(reflecting: b.value))
    guard inner.0.displayStyle == .enum else { return true }
    if inner.0.children.isEmpty || inner.1.children.isEmpty {
        // Cases without values: their sentences differ.
        return "\(a.value)" == "\(b.value)"
    }
    return inner.0.children.first?.label == inner.1.children.first?.label
}
