import Foundation
import Testing
@testable import EarlyUcode

@Suite("check: initrd findings")
struct InitrdFindingsTests {
    static let host = HostCPUs(cpus: [0, 1].map {
        LogicalCPU(number: $0, vendorID: "GenuineIntel", family: 6, model: 0x55, stepping: 4,
                   signature: CPUSignature(0x50654), revision: 0x10, platforms: PlatformFlags(0x01))
    })

    /// Revisions 0x10 and 0x20 for 0x50654 pf 0x01.
    static func catalog() throws -> MicrocodeCatalog {
        var catalog = MicrocodeCatalog()
        catalog.intel = try IntelUpdate.parseAll(
            Fabricate.intelUpdate(revision: 0x10) + Fabricate.intelUpdate(revision: 0x20), path: "06-55-04")
        return catalog
    }

    /// An initrd: an early archive with `revision` (none: no early part),
    /// then bytes that start like a gzip stream.
    static func image(revision: UInt32?, in tmp: TemporaryDirectory, name: String) throws -> String {
        var bytes: [UInt8] = []
        if let revision {
            let update = try IntelUpdate.parseAll(Fabricate.intelUpdate(revision: revision), path: "u")
            bytes = try EarlyArchive(members: [EarlyArchive.Member(vendor: .intel, chunks: update.map(\.bytes))], mtime: 0).bytes()
        }
        bytes += [0x1f, 0x8b, 0x08, 0x00] + [UInt8](repeating: 0, count: 60)
        let path = tmp.file(name)
        try Fabricate.write(bytes, to: path)
        return path
    }

    static func run(_ images: [String]) throws -> [Finding] {
        let catalog = try catalog()
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus(host.targets)))
        return InitrdFindings().findings(for: ImageCheckContext(
            images: images, host: host, expected: selection, catalog: catalog, xenEntries: []))
    }

    @Test func currentStaleAndMissingEarlyParts() throws {
        let tmp = try TemporaryDirectory()
        let current = try Self.image(revision: 0x20, in: tmp, name: "initrd.img-current")
        let stale = try Self.image(revision: 0x10, in: tmp, name: "initrd.img-stale")
        let missing = try Self.image(revision: nil, in: tmp, name: "initrd.img-missing")
        let findings = try Self.run([current, stale, missing])
        // One CPU, no Xen entries: one Linux finding per image.
        #expect(findings.map(\.path) == [current, stale, missing])
        #expect(findings.map(\.level) == [.ok, .problem, .problem])
        #expect(findings[0].message.contains("loads 0x20"))
        #expect(findings[1].message.contains("stale, 0x20 is available"))
        #expect(findings[2].message.contains("no early microcode"))
        #expect(findings.allSatisfy { $0.area == .images })
    }

    @Test func damagedImageIsAProblemNotACrash() throws {
        let tmp = try TemporaryDirectory()
        let path = try Self.image(revision: 0x20, in: tmp, name: "initrd.img-cut")
        let bytes = try Fabricate.read(path)
        // Cut inside the GenuineIntel.bin member's data.
        try Fabricate.write(Array(bytes.prefix(900)), to: path)
        let findings = try Self.run([path])
        #expect(findings.contains { $0.level == .problem && $0.path == path })
        #expect(!findings.contains { $0.level == .ok })
    }
}
