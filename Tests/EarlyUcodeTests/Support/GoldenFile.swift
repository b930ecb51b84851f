import Foundation
import Testing

@testable import EarlyUcode

/// Checked-in expected outputs in Tests/EarlyUcodeTests/Golden/, compared
/// byte for byte, as swift-openapi-generator's reference tests compare
/// generated code with checked-in files.
///
/// The folder is excluded from the test target's sources (Package.swift)
/// rather than made a resource: the tests read the checked-in file itself,
/// and `scripts/regenerate-golden` (EARLY_UCODE_REGENERATE_GOLDEN=1) writes
/// it there; a resource would be a copy in the build folder.
enum GoldenFile {
    static let folder = "Tests/EarlyUcodeTests/Golden"
    static let regenerateCommand = "scripts/regenerate-golden"

    /// EARLY_UCODE_REGENERATE_GOLDEN=1: write what the commands print
    /// instead of comparing.
    static let regenerating = ProcessInfo.processInfo.environment["EARLY_UCODE_REGENERATE_GOLDEN"] == "1"

    /// `name` in the package, for reading and writing.
    static func path(_ name: String) -> String { BootFixtures.packageRoot + folder + "/" + name }
    /// `name` as messages show it (relative to the package).
    static func display(_ name: String) -> String { folder + "/" + name }

    /// Compares `actual` with the golden file `name` and records an issue
    /// (a diff for text, the first differing byte otherwise) when they
    /// differ; regenerating, writes it when it changed.
    static func check(_ actual: [UInt8], against name: String, producedBy what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = path(name)
        let expected = FileManager.default.fileExists(atPath: file) ? try Fabricate.read(file) : nil
        if regenerating {
            if expected != actual {
                try Fabricate.write(actual, to: file)
                print("regenerated \(display(name))")
            }
            return
        }
        guard let expected else {
            Issue.record("\(display(name)) is missing: run \(regenerateCommand) to write it from \(what)", sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        let head = "\(display(name)) is out of date: `\(what)` gives something else now. "
            + "If the change is meant, run \(regenerateCommand) (it rewrites docs/json.md's examples too) and review the diff."
        let body = isText(expected) && isText(actual)
            ? LineDiff.unified(expected: expected, actual: actual, expectedName: display(name) + " (checked in)", actualName: what + " (this run)")
            : binaryDifference(expected: expected, actual: actual)
        Issue.record(Comment(rawValue: head + "\n" + body), sourceLocation: sourceLocation)
    }

    /// Reads the golden file `name`, or nil when it is missing.
    static func read(_ name: String) throws -> [UInt8]? {
        FileManager.default.fileExists(atPath: path(name)) ? try Fabricate.read(path(name)) : nil
    }

    static func isText(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }

    /// Sizes, digests and where the bytes first differ: for archives.
    static func binaryDifference(expected: [UInt8], actual: [UInt8]) -> String {
        let first = zip(expected, actual).prefix { $0 == $1 }.count
        var text = "checked in: \(expected.count) bytes, SHA-256 \(SHA256(of: expected).hex)\n"
        text += "this run:   \(actual.count) bytes, SHA-256 \(SHA256(of: actual).hex)\n"
        text += "first difference at offset \(first) (\(Hex.offset(first)))"
        if let member = try? Newc.walk(expected).members.last(where: { $0.headerOffset <= first }) {
            text += first < member.dataOffset ? ", in the header of \(member.name)" : ", in the data of \(member.name)"
        }
        return text
    }

    /// What `root` stands for in golden files.
    static let placeholder = "$ROOT"

    /// `bytes` as text with `root` (and the path it resolves to) spelled
    /// `$ROOT`, so a golden file does not depend on where the test's
    /// temporary folder was.
    static func replacingRoot(_ bytes: [UInt8], root: String) -> [UInt8] {
        var text = String(decoding: bytes, as: UTF8.self)
        let resolved = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        for spelling in Set([root, resolved]).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: spelling, with: placeholder)
        }
        return Array(text.utf8)
    }
}

/// A line diff in the unified format (`diff -u`), for golden-file failures.
enum LineDiff {
    static let context = 3

    enum Edit: Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    static func unified(expected: [UInt8], actual: [UInt8], expectedName: String, actualName: String) -> String {
        let old = lines(expected), new = lines(actual)
        var out = "--- \(expectedName)\n+++ \(actualName)\n"
        let edits = self.edits(old, new)
        guard edits.contains(where: { if case .same = $0 { false } else { true } }) else {
            return out + "(the lines are equal: the files differ in their last newline)"
        }
        for hunk in hunks(edits) { out += hunk }
        return out
    }

    /// Lines without their newline; a missing final newline is marked as diff marks it.
    static func lines(_ bytes: [UInt8]) -> [String] {
        guard !bytes.isEmpty else { return [] }
        var parts = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" {
            parts.removeLast()
        } else {
            parts[parts.count - 1] += "\n\\ No newline at end of file"
        }
        return parts
    }

    /// The shortest edit script, from the longest common subsequence.
    static func edits(_ old: [String], _ new: [String]) -> [Edit] {
        let n = old.count, m = new.count
        // Golden files are a few hundred lines; past that, changes from the first differing line on.
        guard n * m <= 4_000_000 else {
            let same = zip(old, new).prefix { $0 == $1 }.count
            return old[..<same].map(Edit.same) + old[same...].map(Edit.removed) + new[same...].map(Edit.added)
        }
        // lengths[i][j]: the LCS length of old[i...] and new[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var edits: [Edit] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, old[i] == new[j] {
                edits.append(.same(old[i])); i += 1; j += 1
            } else if i < n, j == m || lengths[i + 1][j] >= lengths[i][j + 1] {
                // Removals before additions, as diff -u prints them.
                edits.append(.removed(old[i])); i += 1
            } else {
                edits.append(.added(new[j])); j += 1
            }
        }
        return edits
    }

    /// `@@ -a,b +c,d @@` hunks with `context` lines around each change.
    static func hunks(_ edits: [Edit]) -> [String] {
        let changed = edits.indices.filter { if case .same = edits[$0] { false } else { true } }
        var ranges: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(edits.count - 1, index + context)
            if let last = ranges.last, range.lowerBound <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...range.upperBound
            } else {
                ranges.append(range)
            }
        }
        return ranges.map { range in
            // Line numbers (1-based) where the hunk starts in each file.
            var oldLine = 1, newLine = 1
            for edit in edits[..<range.lowerBound] {
                switch edit {
                case .same: oldLine += 1; newLine += 1
                case .removed: oldLine += 1
                case .added: newLine += 1
                }
            }
            var oldCount = 0, newCount = 0, body = ""
            for edit in edits[range] {
                switch edit {
                case .same(let line): body += " \(line)\n"; oldCount += 1; newCount += 1
                case .removed(let line): body += "-\(line)\n"; oldCount += 1
                case .added(let line): body += "+\(line)\n"; newCount += 1
                }
            }
            return "@@ -\(oldCount == 0 ? oldLine - 1 : oldLine),\(oldCount) +\(newCount == 0 ? newLine - 1 : newLine),\(newCount) @@\n" + body
        }
    }
}
