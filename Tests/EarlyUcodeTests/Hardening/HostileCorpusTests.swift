import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// One malformed input of Corpus/ and what the binary must do with it
/// (Corpus/MANIFEST.tsv, written by scripts/make-hostile-corpus).
struct HostileCase: Sendable, CustomTestStringConvertible {
    /// Seconds a case may take: each finishes in milliseconds; this only
    /// tells a hang from a busy machine.
    static let hangBound = 10.0

    enum Kind: String, Sendable {
        /// `build --all -o OUT FILE`
        case microcode
        /// `detect --cpuinfo FILE --sysfs /nonexistent`
        case cpuinfo
        /// `inspect --cpu 0x50654,0x01 FILE`: the early-archive walker.
        case image
        /// Not malformed for early-ucode but hard on what it uses:
        /// `inspect` must succeed, quickly and in little memory.
        case benignImage = "benign-image"
        /// `build --config FILE -o OUT`: the configuration is read first.
        case config
        /// A grub.cfg, parsed in-process: `check` reports its problems
        /// among other findings, not as one error line.
        case grub
        /// An installed kernel (`/boot/vmlinuz-*`) or Xen image, read
        /// in-process by `LoaderBinaries.read`: `check` and `inspect` report
        /// an unreadable one as "unknown", not as an error of their own
        /// (Loaders/LoaderBinaryHostileTests.swift).
        case kernel, xen
        /// A xen.efi configuration: `efi status --xen-cfg FILE` (what
        /// `efi enable` and `disable` read before writing anything).
        case xenCfg = "xen-cfg"
    }

    var file: String
    var kind: Kind
    /// "offset N", "line N" or nil: where the one error line must point.
    var expect: String?
    var how: String

    var testDescription: String { file }

    static let directory = BootFixtures.packageRoot + "Tests/EarlyUcodeTests/Corpus"

    static let all: [HostileCase] = {
        guard let data = FileManager.default.contents(atPath: directory + "/MANIFEST.tsv") else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let kind = Kind(rawValue: fields[1]) else {
                // A malformed manifest line is kept so that a test reports it.
                return HostileCase(file: String(line), kind: .microcode, expect: "malformed manifest line", how: "")
            }
            return HostileCase(file: fields[0], kind: kind, expect: fields[2] == "-" ? nil : fields[2], how: fields[3])
        }
    }()
}

/// Each case through the real binary: a process shows what in-process runs
/// cannot (the exit status, that no signal killed it, its memory).
@Suite("Hostile-input corpus")
struct HostileCorpusTests {
    @Test func manifestMatchesTheCorpus() throws {
        #expect(HostileCase.all.count >= 60)
        let listed = Set(HostileCase.all.map(\.file))
        #expect(listed.count == HostileCase.all.count, "a file is listed twice")
        var onDisk: Set<String> = []
        let enumerator = try #require(FileManager.default.enumerator(atPath: HostileCase.directory))
        while let name = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: HostileCase.directory + "/" + name, isDirectory: &isDirectory)
            if exists && !isDirectory.boolValue && name != "MANIFEST.tsv" { onDisk.insert(name) }
        }
        #expect(onDisk == listed, "rerun scripts/make-hostile-corpus: files and MANIFEST.tsv differ")
    }

    /// The real binary on each case: a non-zero exit below 128 (no signal),
    /// exactly one `early-ucode: error:` line naming the file and where the
    /// problem is, nothing on stdout, nothing written or left behind, without
    /// hanging. (Kernel and Xen cases run in-process: LoaderBinaryHostileTests.)
    @Test(arguments: HostileCase.all.filter { ![.grub, .benignImage, .kernel, .xen].contains($0.kind) })
    func failsCleanly(_ hostile: HostileCase) throws {
        let scratch = try HostileScratch()
        // A copy in a private folder: the source check as root then judges
        // our folder, not wherever the checkout lives, and anything left
        // behind is easy to see.
        let name = hostile.file.replacingOccurrences(of: "/", with: "-")
        let input = scratch.file(name)
        let bytes = try #require(HostileFabricate.read(HostileCase.directory + "/" + hostile.file), "missing \(hostile.file)")
        try HostileFabricate.write(bytes, to: input)

        let arguments: [String] = switch hostile.kind {
        case .microcode: ["build", "--all", "-o", scratch.file("out.cpio"), input]
        case .cpuinfo: ["detect", "--cpuinfo", input, "--sysfs", "/nonexistent"]
        case .image: ["inspect", "--no-loaders", "--cpu", "0x50654,0x01", input]
        case .config: ["build", "--config", input, "-o", scratch.file("out.cpio")]
        case .xenCfg: ["efi", "status", "--xen-cfg", input]
        case .grub, .benignImage, .kernel, .xen: []
        }
        let outcome = try EarlyUcodeBinary.run(arguments, in: scratch.path)

        #expect(!outcome.signalled, "killed by signal \(outcome.status): \(outcome.stderr)")
        #expect(outcome.status == 1, "exit status \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stdout.isEmpty, "\(String(decoding: outcome.stdout, as: UTF8.self))")
        // A bound that catches a hang or a runaway loop, not a timing target
        // (scripts/bench measures speed): a loaded CI machine must not fail it.
        #expect(outcome.seconds < HostileCase.hangBound, "took \(outcome.seconds) s")
        let lines = outcome.stderrLines
        #expect(lines.count == 1, "stderr: \(outcome.stderr)")
        let line = try #require(lines.first)
        #expect(line.hasPrefix("early-ucode: error: " + input), "\(line)")
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "control character in \(line.debugDescription)")
        switch hostile.expect?.split(separator: " ").map(String.init) {
        case nil:
            break
        case let words? where words.count == 2 && words[0] == "offset":
            #expect(line.contains(": offset \(words[1]) ("), "expected offset \(words[1]): \(line)")
        case let words? where words.count == 2 && words[0] == "line":
            #expect(line.hasPrefix("early-ucode: error: \(input):\(words[1]):"), "expected line \(words[1]): \(line)")
        case let words?:
            Issue.record("MANIFEST.tsv: unknown expectation \(words) for \(hostile.file)")
        }
        let left = try scratch.contents()
        #expect(left == [name], "left behind: \(left)")
    }

    /// grub.cfg cases: an error with its line, on one line, quickly.
    @Test(arguments: HostileCase.all.filter { $0.kind == .grub })
    func grubConfigFailsCleanly(_ hostile: HostileCase) throws {
        let bytes = try #require(HostileFabricate.read(HostileCase.directory + "/" + hostile.file), "missing \(hostile.file)")
        let started = ContinuousClock.now
        let error = try #require(throws: InputError.self) { try GrubConfig(bytes, path: hostile.file) }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(error.path == hostile.file)
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f })
        if let expect = hostile.expect, expect.hasPrefix("line ") {
            #expect(error.line.map { "line \($0)" } == expect, "\(error)")
        }
    }

    /// fuzz-early-archive found a gzip main archive whose cpio name size
    /// (2 GiB) makes libarchive reserve that much memory when inspect peeks
    /// into it. It is address space, never touched: inspect must still
    /// finish at once in little memory.
    @Test(arguments: HostileCase.all.filter { $0.kind == .benignImage })
    func benignImageIsInspected(_ benign: HostileCase) throws {
        let scratch = try HostileScratch()
        let input = scratch.file("image")
        try HostileFabricate.write(try #require(HostileFabricate.read(HostileCase.directory + "/" + benign.file)), to: input)
        let outcome = try EarlyUcodeBinary.run(["inspect", "--no-loaders", "--cpu", "0x50654,0x01", input], in: scratch.path)
        #expect(outcome.status == 0 && !outcome.signalled, "\(outcome.stderr)")
        // A bound that catches a hang or a runaway loop, not a timing target
        // (scripts/bench measures speed): a loaded CI machine must not fail it.
        #expect(outcome.seconds < HostileCase.hangBound, "took \(outcome.seconds) s")
        var usage = rusage()
        #expect(getrusage(RUSAGE_CHILDREN.rawValue, &usage) == 0)
        // ru_maxrss is in KiB: the largest any child of this test process reached.
        #expect(usage.ru_maxrss < 512 << 10, "a child reached \(usage.ru_maxrss) KiB")
    }
}
