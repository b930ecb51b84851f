import Foundation
import Testing

@testable import EarlyUcode

@Suite("File listing")
struct FileIOTests {
    /// The catalog trusts readdir's type in place of a stat per file: where
    /// it gives one, it must be what lstat says.
    @Test func listingKindsAreWhatLstatSays() throws {
        let scratch = try HostileScratch()
        let dir = try scratch.directory("listed")
        try HostileFabricate.write([1, 2, 3], to: dir + "/b-file")
        _ = try scratch.directory("listed/a-folder")
        try FileManager.default.createSymbolicLink(atPath: dir + "/c-link", withDestinationPath: dir + "/b-file")
        try FileManager.default.createSymbolicLink(atPath: dir + "/d-dangling", withDestinationPath: dir + "/nothing")
        #expect(mkfifo(dir + "/e-fifo", 0o600) == 0)

        let listing = try FileIO.listing(of: dir)
        #expect(listing.map(\.name) == ["a-folder", "b-file", "c-link", "d-dangling", "e-fifo"])
        #expect(try FileIO.entries(of: dir) == listing.map(\.name))
        for entry in listing {
            if let kind = entry.kind { #expect(kind == FileIO.kind(dir + "/" + entry.name), "\(entry.name)") }
        }
    }

    @Test func listingAMissingFolderNamesIt() {
        #expect(throws: FileError.self) { try FileIO.listing(of: "/nonexistent/early-ucode") }
    }
}
