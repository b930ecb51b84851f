import Foundation
import Testing

@testable import EarlyUcode

#if canImport(Glibc)
import Glibc
#endif

/// The hostile corpus's kernel/ and xen/ cases (scripts/make-hostile-corpus)
/// through `LoaderBinaries.read`, in-process as `check` reads /boot: each
/// is a value with exactly one problem, one line naming the file and the
/// offset the manifest gives, found at once and in bounded memory (the
/// decompression bombs stop at the bound).
@Suite("Hostile-input corpus: loader binaries")
struct LoaderBinaryHostileTests {
    @Test(arguments: HostileCase.all.filter { $0.kind == .kernel || $0.kind == .xen })
    func failsCleanly(_ hostile: HostileCase) throws {
        let path = HostileCase.directory + "/" + hostile.file
        var before = rusage()
        #expect(getrusage(RUSAGE_SELF.rawValue, &before) == 0)
        let started = ContinuousClock.now
        let binary = LoaderBinaries.read(path, as: hostile.kind == .kernel ? .linux : .xen, cache: nil)
        let elapsed = ContinuousClock.now - started
        var after = rusage()
        #expect(getrusage(RUSAGE_SELF.rawValue, &after) == 0)

        #expect(elapsed < .seconds(1), "took \(elapsed)")
        // ru_maxrss (KiB) is the whole test process's peak, shared with
        // tests running beside this one: a bound, not a measurement.
        #expect(after.ru_maxrss - before.ru_maxrss < 512 << 10, "peak grew by \(after.ru_maxrss - before.ru_maxrss) KiB")
        let problem = try #require(binary.problem, "\(hostile.file) read without a problem")
        #expect(binary.version == nil && binary.versionText == nil && binary.digests == nil)
        let line = problem.description
        #expect(!line.contains("\n") && !line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(line.debugDescription)")
        #expect(line.hasPrefix(path + ": "), "\(line)")
        switch hostile.expect?.split(separator: " ").map(String.init) {
        case nil:
            #expect(problem.offset == nil, "\(line)")
        case let words? where words.count == 2 && words[0] == "offset":
            #expect(problem.offset.map(String.init) == words[1], "expected offset \(words[1]): \(line)")
            #expect(line.contains(": offset \(words[1]) ("), "\(line)")
        case let words?:
            Issue.record("MANIFEST.tsv: unknown expectation \(words) for \(hostile.file)")
        }
    }

    /// The bombs say what stopped them.
    @Test(arguments: ["kernel/bzip2-bomb", "xen/gzip-bomb"])
    func bombsStopAtTheBound(_ file: String) {
        let binary = LoaderBinaries.read(HostileCase.directory + "/" + file, as: file.hasPrefix("kernel") ? .linux : .xen, cache: nil)
        #expect(binary.problem?.description.contains("decompresses to more than 16777216 bytes: stopped there") == true,
                "\(binary.problem.map { "\($0)" } ?? "no problem")")
    }
}
