import Foundation
import Testing

@testable import EarlyUcode

/// Makes boot images for the inspect/rebuild tests: microcode, newc
/// archives written by hand (independent of the libarchive writer under
/// test), main archives, and compressed parts through the real tools.
enum ImageFixture {
    // MARK: Bytes

    static func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8),
         UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 24)]
    }

    static func le16(_ value: UInt16) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
    }

    static func readLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    /// Deterministic filler.
    static func filler(_ count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    // MARK: Microcode

    /// A valid Intel update (every checksum right), 1024 bytes by default,
    /// optionally with an extended signature table.
    static func intel(revision: UInt32, signature: UInt32 = 0x50654, platforms: UInt32 = 0x01,
                      date: UInt32 = 0x0306_2023, extended: [(signature: UInt32, platforms: UInt32)] = [],
                      total: Int = 1024) -> [UInt8] {
        let table = extended.isEmpty ? 0 : 20 + 12 * extended.count
        let dataSize = total - 48 - table
        var bytes: [UInt8] = []
        for word: UInt32 in [1, revision, date, signature, 0, 1, platforms, UInt32(dataSize), UInt32(total), 0, 0, 0] {
            bytes += le32(word)
        }
        bytes += filler(dataSize, seed: revision ^ signature)
        var sum: UInt32 = 0
        for offset in stride(from: 0, to: 48 + dataSize, by: 4) { sum &+= readLE32(bytes, offset) }
        bytes.replaceSubrange(16..<20, with: le32(0 &- sum))
        if !extended.isEmpty {
            let key = signature &+ platforms &+ readLE32(bytes, 16)
            var ext = le32(UInt32(extended.count)) + le32(0) + [UInt8](repeating: 0, count: 12)
            for entry in extended {
                ext += le32(entry.signature) + le32(entry.platforms) + le32(key &- entry.signature &- entry.platforms)
            }
            var extSum: UInt32 = 0
            for offset in stride(from: 0, to: ext.count, by: 4) { extSum &+= readLE32(ext, offset) }
            ext.replaceSubrange(4..<8, with: le32(0 &- extSum))
            bytes += ext
        }
        return bytes
    }

    /// An AMD patch: header fields the loaders read, filler after.
    static func amdPatch(id: UInt32, equivalenceID: UInt16, date: UInt32 = 0x0223_2024, size: Int = 3200) -> [UInt8] {
        var bytes = filler(size, seed: id)
        bytes.replaceSubrange(0..<4, with: le32(date))
        bytes.replaceSubrange(4..<8, with: le32(id))
        bytes.replaceSubrange(8..<10, with: le16(0x8005))
        bytes.replaceSubrange(16..<24, with: [UInt8](repeating: 0, count: 8))   // no chipset ids
        bytes.replaceSubrange(24..<26, with: le16(equivalenceID))
        return bytes
    }

    /// A container: magic, table (with the zero entry unless told), patches.
    static func amdContainer(_ entries: [(cpu: UInt32, id: UInt16)], terminator: Bool = true, patches: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [0x44, 0x4d, 0x41, 0x00] + le32(0) + le32(UInt32((entries.count + (terminator ? 1 : 0)) * 16))
        for entry in entries { bytes += le32(entry.cpu) + le32(0) + le32(0) + le16(entry.id) + le16(0) }
        if terminator { bytes += [UInt8](repeating: 0, count: 16) }
        for patch in patches { bytes += le32(1) + le32(UInt32(patch.count)) + patch }
        return bytes
    }

    // MARK: newc

    struct Entry {
        var name: String
        var mode: UInt32
        var data: [UInt8] = []
        var links: UInt32 = 1
        var mtime: UInt32 = 1_700_000_000
        var uid: UInt32 = 0

        static func dir(_ name: String) -> Entry { Entry(name: name, mode: 0o040755, links: 2) }
        static func file(_ name: String, _ data: [UInt8], mode: UInt32 = 0o100644) -> Entry { Entry(name: name, mode: mode, data: data) }
        static func symlink(_ name: String, to target: String) -> Entry { Entry(name: name, mode: 0o120777, data: Array(target.utf8)) }
    }

    static let microcodeDirs: [Entry] = [.dir("kernel"), .dir("kernel/x86"), .dir("kernel/x86/microcode")]

    /// A newc archive written by hand: `magic` 070701 or 070702, hex in
    /// either case, `TRAILER!!!` unless told, zero padding to `padTo`.
    static func newc(_ entries: [Entry], magic: String = "070701", uppercase: Bool = false, trailer: Bool = true, padTo: Int = 4) -> [UInt8] {
        var out: [UInt8] = []
        var inode: UInt32 = 100
        func field(_ value: UInt32) -> String {
            let digits = String(value, radix: 16, uppercase: uppercase)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }
        func append(_ entry: Entry) {
            inode += 1
            let name = Array(entry.name.utf8) + [0]
            var header = magic
            for value in [inode, entry.mode, entry.uid, 0, entry.links, entry.mtime, UInt32(entry.data.count), 0, 0, 0, 0,
                          UInt32(name.count), 0] {
                header += field(value)
            }
            out += Array(header.utf8) + name
            while out.count % 4 != 0 { out.append(0) }
            out += entry.data
            while out.count % 4 != 0 { out.append(0) }
        }
        for entry in entries { append(entry) }
        if trailer { append(Entry(name: "TRAILER!!!", mode: 0, links: 1, mtime: 0)) }
        while out.count % padTo != 0 { out.append(0) }
        return out
    }

    /// An early microcode archive as Debian's hooks lay it out.
    static func early(intel: [UInt8]? = nil, amd: [UInt8]? = nil, padTo: Int = 512) -> [UInt8] {
        var entries = microcodeDirs
        if let amd { entries.append(.file("kernel/x86/microcode/AuthenticAMD.bin", amd)) }
        if let intel { entries.append(.file("kernel/x86/microcode/GenuineIntel.bin", intel)) }
        return newc(entries, padTo: padTo)
    }

    /// An ACPI table override archive (kept by rebuild).
    static func acpi() -> [UInt8] {
        newc([.dir("kernel"), .dir("kernel/firmware"), .dir("kernel/firmware/acpi"),
              .file("kernel/firmware/acpi/ssdt1.aml", filler(300, seed: 42))])
    }

    /// A small main archive: an /init and a few files.
    static func mainCPIO(seed: UInt32 = 9, bulk: Int = 4096) -> [UInt8] {
        newc([.dir("."), .file("init", Array("#!/bin/sh\necho main init\n".utf8), mode: 0o100755), .dir("bin"),
              .symlink("sbin", to: "bin"), .file("bin/data", filler(bulk, seed: seed))], padTo: 512)
    }

    // MARK: Compression (the real tools)

    static func tool(_ name: String) -> String? {
        ["/usr/bin/" + name, "/bin/" + name].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var hasGzip: Bool { tool("gzip") != nil }
    static var hasZstd: Bool { tool("zstd") != nil }

    /// `bytes` through `gzip -c`, `zstd -c`, `xz -c`...
    static func compress(_ bytes: [UInt8], with name: String) throws -> [UInt8] {
        guard let path = tool(name) else { throw FixtureError("\(name) is not installed") }
        let directory = try TemporaryDirectory("compress")
        let input = directory.file("in")
        try write(bytes, to: input)
        let result = try EarlyUcodeTests.run(path, ["-c", "-q", input])
        guard result.status == 0 else { throw FixtureError("\(name) -c: exit \(result.status): \(result.stderr)") }
        return result.stdout
    }

    // MARK: Debian 13 (initramfs-tools 0.148)

    static var hasCpio: Bool { tool("cpio") != nil }

    /// The kernel version the Debian 13 tree is named for.
    static let debian13Kernel = "6.12.38+deb13-amd64"

    /// A Debian 13 image and where its parts are.
    struct Debian13Image {
        var bytes: [UInt8]
        var early: Int
        /// The uncompressed cpio of `*.xz` / `*.zst` files and their folders.
        var uncompressed: Int
        /// Its members (trailer excluded): the files and every leading folder, and `.`.
        var uncompressedMembers: Int
        var modules: Int
        var firmware: Int
    }

    /// An initrd laid out exactly as initramfs-tools 0.148's mkinitramfs
    /// writes it (Debian 13; the tail of 0.148.4's /usr/sbin/mkinitramfs,
    /// run here on a small merged-/usr tree): `early` (what
    /// `prepend_earlyinitramfs` collected), then GNU `cpio -o -H newc` of
    /// every `*.zst` / `*.xz` file with its leading folders
    /// (`add_directories | LC_ALL=C sort | uniq`), then GNU cpio of
    /// everything else, piped through `$compress -c` (Debian 13's default
    /// `COMPRESS=zstd`: `zstd -q -9`; reproducible `gzip`: `gzip -n`).
    static func debian13(early: [UInt8], compress: String = "zstd", in directory: TemporaryDirectory) throws -> Debian13Image {
        let root = try directory.directory("d13/destdir")
        let modules = "usr/lib/modules/\(debian13Kernel)"
        let compressedFiles = [
            "\(modules)/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz",
            "\(modules)/kernel/drivers/md/dm-mod.ko.xz",
            "\(modules)/kernel/fs/ext4/ext4.ko.xz",
            "usr/lib/firmware/i915/tgl_dmc_ver2_12.bin.zst",
            "usr/lib/firmware/rtl_nic/rtl8168h-2.fw.zst",
        ]
        let plainFiles = ["init", "conf/initramfs.conf", "scripts/init-top/ORDER", "usr/bin/busybox", "\(modules)/modules.dep"]
        for (index, name) in (compressedFiles + plainFiles).enumerated() {
            let parent = (name as NSString).deletingLastPathComponent
            if !parent.isEmpty { try FileManager.default.createDirectory(atPath: root + "/" + parent, withIntermediateDirectories: true) }
            try write(filler(1000 + 517 * index, seed: UInt32(100 + index)), to: root + "/" + name)
        }
        try FileManager.default.createDirectory(atPath: root + "/etc/modprobe.d", withIntermediateDirectories: true)
        for link in ["bin", "sbin", "lib"] {
            try FileManager.default.createSymbolicLink(atPath: root + "/" + link, withDestinationPath: "usr/" + link)
        }
        try write(early, to: directory.file("d13/early.cpio"))

        let command = compress == "gzip" ? "gzip -n" : compress == "zstd" ? "zstd -q -9" : compress
        // 0.148.4's add_directories and the three writes, as mkinitramfs runs them (root or not: -R 0:0 for others).
        let script = """
            set -e
            add_directories() {
                local last_dir path dir
                while read -r path; do
                    dir="${path%/*}"
                    parent="${dir}"
                    while [ "$parent" != "$last_dir" ] && [ "$parent" != "." ]; do
                        echo "$parent"
                        parent="${parent%/*}"
                    done
                    last_dir="$dir"
                    echo "$path"
                done
                if [ -n "$last_dir" ]; then
                    echo "."
                fi
            }
            [ "$(id -ru)" != 0 ] && cpio_owner_root="-R 0:0"
            find . -newermt "@${SOURCE_DATE_EPOCH}" -print0 | xargs -0r touch --no-dereference --date="@${SOURCE_DATE_EPOCH}"
            cpio_reproducible="--reproducible"
            find . \\( ! -type d ! -name '*.zst' ! -name '*.xz' \\) -o \\( -type d -empty \\) | add_directories | LC_ALL=C sort | uniq > ../main.list
            find . -name '*.zst' -o -name '*.xz' | add_directories | LC_ALL=C sort | uniq > ../uncompressed.list
            {
                cat ../early.cpio
                if [ -s ../uncompressed.list ]; then
                    cpio --quiet $cpio_owner_root $cpio_reproducible -o -H newc -D . < ../uncompressed.list
                fi
                cpio --quiet $cpio_owner_root $cpio_reproducible -o -H newc -D . < ../main.list | \(command) -c
            } > ../initrd.img
            cpio --quiet $cpio_owner_root $cpio_reproducible -o -H newc -D . < ../uncompressed.list > ../uncompressed.cpio
            """
        let result = try EarlyUcodeTests.run("/bin/sh", ["-c", script],
                                             environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "SOURCE_DATE_EPOCH": "1700000000",
                                                           "TMPDIR": directory.path, "LC_ALL": "C"],
                                             in: root)
        guard result.status == 0 else { throw FixtureError("mkinitramfs' tail: exit \(result.status): \(result.stderr)") }
        let list = try read(directory.file("d13/uncompressed.list"))
        return Debian13Image(bytes: try read(directory.file("d13/initrd.img")), early: early.count,
                             uncompressed: try read(directory.file("d13/uncompressed.cpio")).count,
                             uncompressedMembers: list.filter { $0 == 0x0a }.count,
                             modules: compressedFiles.filter { $0.hasSuffix(".ko.xz") }.count,
                             firmware: compressedFiles.filter { $0.hasPrefix("usr/lib/firmware/") }.count)
    }

    // MARK: Tools and files

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// A shell pipeline, for tools used the way Debian's hooks use them.
    static func shell(_ script: String, directory: String) throws -> ProcessResult {
        try EarlyUcodeTests.run("/bin/sh", ["-c", script], in: directory)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func exists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    }

    /// A firmware root with `intel-ucode/` and `amd-ucode/` for BuildJob.
    static func firmware(in directory: TemporaryDirectory, intel: [String: [UInt8]] = [:], amd: [String: [UInt8]] = [:]) throws -> String {
        let root = try directory.directory("firmware")
        if !intel.isEmpty {
            let dir = try directory.directory("firmware/intel-ucode")
            for (name, bytes) in intel { try write(bytes, to: dir + "/" + name) }
        }
        if !amd.isEmpty {
            let dir = try directory.directory("firmware/amd-ucode")
            for (name, bytes) in amd { try write(bytes, to: dir + "/" + name) }
        }
        return root
    }

    /// The early archive early-ucode would build from `firmware` for `cpus`.
    static func builtArchive(firmware: String, cpus: [UInt32], mtime: Int = 1_700_000_000) throws -> EarlyArchive {
        let job = BuildJob(sources: MicrocodeSource.firmwareDirectory(firmware),
                           request: SelectionRequest(scope: .cpus(cpus.map { CPUTarget(signature: CPUSignature($0)) })),
                           sourceDateEpoch: mtime)
        guard let archive = try job.plan().archive else { throw FixtureError("nothing selected") }
        return archive
    }

    /// The newest real initrd in /boot, when there is one to test on.
    static var realInitrd: String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/boot") else { return nil }
        return names.filter { $0.hasPrefix("initrd.img-") }.sorted().last.map { "/boot/" + $0 }
    }

    /// Real firmware (EARLY_UCODE_FIRMWARE), when given.
    static var realFirmware: String? {
        guard let root = ProcessInfo.processInfo.environment["EARLY_UCODE_FIRMWARE"], !root.isEmpty,
              exists(root + "/intel-ucode") || exists(root + "/amd-ucode") else { return nil }
        return root
    }
}
