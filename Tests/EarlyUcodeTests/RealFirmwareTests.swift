import Foundation
import Testing

@testable import EarlyUcode

/// Real microcode, where it is found: `EARLY_UCODE_FIRMWARE` (a firmware
/// root holding intel-ucode/ and/or amd-ucode/), else /lib/firmware when
/// Debian's packages are installed. Nothing here runs otherwise.
enum RealFirmware {
    static let root: String? = {
        if let path = ProcessInfo.processInfo.environment["EARLY_UCODE_FIRMWARE"], !path.isEmpty {
            return path
        }
        let system = "/lib/firmware"
        return [system + "/intel-ucode", system + "/amd-ucode"].contains { !files(in: $0).isEmpty } ? system : nil
    }()

    static let intelDirectory: String? = root.map { $0 + "/intel-ucode" }.flatMap { files(in: $0).isEmpty ? nil : $0 }
    static let amdDirectory: String? = root.map { $0 + "/amd-ucode" }.flatMap { files(in: $0).isEmpty ? nil : $0 }
    static let intelFiles: [String] = intelDirectory.map(files(in:)) ?? []
    static let amdFiles: [String] = amdDirectory.map(files(in:)) ?? []

    static let iucodeTool = "/usr/sbin/iucode_tool"
    static let hasIucodeTool = intelDirectory != nil && isExecutable(iucodeTool)

    /// The Debian 12 packages the shared fixtures were copied from, whose
    /// exact contents some tests know.
    static let isDebianFixture: Bool = {
        guard let root, let readme = try? String(contentsOfFile: root + "/README.md", encoding: .utf8) else { return false }
        return readme.contains("3.20251111.1~deb12u1") && readme.contains("3.20250311.1~deb12u1")
    }()

    /// Regular, non-hidden files, sorted.
    static func files(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
    }
}

/// One line of `iucode_tool -l`/`-L`.
struct IucodeToolLine: Hashable, Sendable {
    var triple: SignatureTriple
    var date: String
    /// Header lines have a size; extended-table lines do not.
    var size: Int?

    /// Parses `  001/001: sig 0x000706a1, pf_mask 0x01, 2024-04-19, rev 0x0042, size 76800`
    /// and `           sig 0x000806f7, pf_mask 0x87, 2025-05-29, rev 0x2b000650`.
    static func parse(_ output: String) -> [IucodeToolLine] {
        output.split(separator: "\n").compactMap { line in
            var text = Substring(line.drop { $0 == " " })
            if let colon = text.range(of: ": sig ") {
                text = text[text.index(after: colon.lowerBound)...].drop { $0 == " " }
            }
            guard text.hasPrefix("sig ") else { return nil }
            let fields = text.components(separatedBy: ", ")
            guard fields.count == 4 || fields.count == 5,
                  fields[0].hasPrefix("sig "), fields[1].hasPrefix("pf_mask "), fields[3].hasPrefix("rev "),
                  let sig = Hex.parseUInt32(fields[0].dropFirst(4)),
                  let pf = Hex.parseUInt32(fields[1].dropFirst(8)),
                  let rev = Hex.parseUInt32(fields[3].dropFirst(4))
            else { return nil }
            var size: Int?
            if fields.count == 5 {
                guard fields[4].hasPrefix("size "), let value = Int(fields[4].dropFirst(5)) else { return nil }
                size = value
            }
            return IucodeToolLine(triple: SignatureTriple(signature: sig, platforms: pf, revision: rev), date: fields[2], size: size)
        }
    }
}

@Suite("iucode_tool output parsing")
struct IucodeToolLineTests {
    @Test func parsesHeaderAndExtendedLines() {
        let lines = IucodeToolLine.parse("""
            microcode bundle 8: intel-ucode/06-8f-08
              001/001: sig 0x000706a1, pf_mask 0x01, 2024-04-19, rev 0x0042, size 76800
              008/001: sig 0x000806f8, pf_mask 0x87, 2025-05-29, rev 0x2b000650, size 593920
                       sig 0x000806f7, pf_mask 0x87, 2025-05-29, rev 0x2b000650
            selected microcodes:
            """)
        #expect(lines == [
            IucodeToolLine(triple: SignatureTriple(signature: 0x706a1, platforms: 0x01, revision: 0x42), date: "2024-04-19", size: 76800),
            IucodeToolLine(triple: SignatureTriple(signature: 0x806f8, platforms: 0x87, revision: 0x2b000650), date: "2025-05-29", size: 593920),
            IucodeToolLine(triple: SignatureTriple(signature: 0x806f7, platforms: 0x87, revision: 0x2b000650), date: "2025-05-29", size: nil),
        ])
    }
}

@Suite("Real firmware", .enabled(if: RealFirmware.root != nil, "no real firmware (set EARLY_UCODE_FIRMWARE)"))
struct RealFirmwareTests {
    static func loadIntel() throws -> MicrocodeCatalog {
        try MicrocodeCatalog.load([.directory(try #require(RealFirmware.intelDirectory), required: true)])
    }

    // MARK: Every file parses

    @Test(.enabled(if: RealFirmware.intelDirectory != nil), arguments: RealFirmware.intelFiles)
    func intelFileParses(_ name: String) throws {
        let path = try #require(RealFirmware.intelDirectory) + "/" + name
        let bytes = try Fabricate.read(path)
        #expect(MicrocodeFormat.of(bytes) == .intelBinary)
        let updates = try IntelUpdate.parseAll(bytes, path: path)
        #expect(!updates.isEmpty)
        // Every byte belongs to exactly one update, in order.
        #expect(updates.flatMap { Array($0.bytes) } == bytes)
        #expect(updates.map(\.origin.offset) == updates.indices.map { index in updates[..<index].reduce(0) { $0 + $1.totalSize } })
        for update in updates {
            #expect(update.totalSize % 1024 == 0)
            #expect(update.date.secondsSinceEpoch != nil, "\(update.date)")
        }
        // Debian names files FF-MM-SS[.initramfs]: the header signature of the first update agrees.
        let stem = name.split(separator: ".").first.map(String.init) ?? name
        if let named = CPUSignature(parsing: stem), stem.count == 8 {
            #expect(updates.contains { $0.signatures.contains { $0.signature == named } }, "\(name)")
        }
    }

    @Test(.enabled(if: RealFirmware.amdDirectory != nil), arguments: RealFirmware.amdFiles)
    func amdFileParses(_ name: String) throws {
        let path = try #require(RealFirmware.amdDirectory) + "/" + name
        let bytes = try Fabricate.read(path)
        #expect(MicrocodeFormat.of(bytes) == .amdContainer)
        let containers = try AMDContainer.parseAll(bytes, path: path)
        #expect(!containers.isEmpty)
        for container in containers {
            #expect(!container.equivalenceTable.isEmpty)
            #expect(!container.patches.isEmpty)
            let ids = Set(container.equivalenceTable.map(\.equivalenceID))
            for patch in container.patches {
                #expect(ids.contains(patch.processorRevisionID), "patch \(Hex.short(patch.patchID)) has a table entry")
            }
        }
        // Where every table has its terminator, serializing gives the file back byte for byte.
        if containers.allSatisfy({ $0.hasTerminator }) {
            #expect(containers.flatMap { $0.serialized() } == bytes)
        }
    }

    @Test(.enabled(if: RealFirmware.root != nil))
    func wholeFirmwareRootLoads() throws {
        let catalog = try MicrocodeCatalog.load(MicrocodeSource.firmwareDirectory(try #require(RealFirmware.root)))
        #expect(catalog.invalid.isEmpty)
        #expect(catalog.intel.count >= (RealFirmware.intelDirectory == nil ? 0 : RealFirmware.intelFiles.count))
        #expect(catalog.amd.count >= RealFirmware.amdFiles.count)
        if RealFirmware.isDebianFixture {
            #expect(catalog.intel.count == 166)
            #expect(catalog.filesRead == RealFirmware.intelFiles.count + RealFirmware.amdFiles.count)
        }
    }

    // MARK: Against iucode_tool

    @Test(.enabled(if: RealFirmware.hasIucodeTool))
    func catalogMatchesIucodeToolListing() throws {
        let dir = try #require(RealFirmware.intelDirectory)
        let result = try run(RealFirmware.iucodeTool, ["-L", dir])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = IucodeToolLine.parse(result.stdoutText)
        let headers = lines.filter { $0.size != nil }
        try #require(!headers.isEmpty)

        let catalog = try Self.loadIntel()
        // One header line per update: same signatures, platform masks, revisions, sizes, dates.
        let theirs = headers.map { "\($0.triple) \($0.date) \($0.size ?? -1)" }.sorted()
        let ours = catalog.intel.map {
            "\(SignatureTriple(signature: $0.signature.rawValue, platforms: $0.platforms.rawValue, revision: $0.revision)) \($0.date) \($0.totalSize)"
        }.sorted()
        #expect(ours == theirs)
        // Every signature an update serves, extended tables included.
        let theirSignatures = Set(lines.map(\.triple))
        let ourSignatures = Set(catalog.intel.flatMap { update in
            update.signatures.map { SignatureTriple(signature: $0.signature.rawValue, platforms: $0.platforms.rawValue, revision: update.revision) }
        })
        #expect(ourSignatures == theirSignatures)
    }

    /// `iucode_tool -l` lists, per signature, what it keeps after dropping
    /// older revisions: our `--all` selection serves exactly those.
    @Test(.enabled(if: RealFirmware.hasIucodeTool))
    func allSelectionServesWhatIucodeToolKeeps() throws {
        let dir = try #require(RealFirmware.intelDirectory)
        let result = try run(RealFirmware.iucodeTool, ["-l", dir])
        #expect(result.status == 0, "\(result.stderr)")
        let kept = Set(IucodeToolLine.parse(result.stdoutText).map(\.triple))
        try #require(!kept.isEmpty)

        let catalog = try Self.loadIntel()
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .all, vendors: [.intel]))
        // Each kept (signature, pf, revision) is written.
        for triple in kept {
            #expect(selection.intel.contains { update in
                update.revision == triple.revision
                    && update.signatures.contains { $0.signature.rawValue == triple.signature && $0.platforms.rawValue == triple.platforms }
            }, "\(triple) kept by iucode_tool is not written")
        }
        // And every update written is kept by iucode_tool for its header signature.
        for update in selection.intel {
            let header = SignatureTriple(signature: update.signature.rawValue, platforms: update.platforms.rawValue, revision: update.revision)
            #expect(kept.contains(header) || update.extendedSignatures.contains { entry in
                kept.contains(SignatureTriple(signature: entry.signature.rawValue, platforms: entry.platforms.rawValue, revision: update.revision))
            }, "\(header) written but dropped by iucode_tool")
        }
    }

    @Test(.enabled(if: RealFirmware.hasIucodeTool))
    func allIntelSelectionEqualsIucodeToolEarlyfw() throws {
        let dir = try #require(RealFirmware.intelDirectory)
        let tmp = try TemporaryDirectory()
        let theirArchive = tmp.file("iucode.cpio")
        let write = try run(RealFirmware.iucodeTool, ["--write-earlyfw=" + theirArchive, dir])
        try #require(write.status == 0, "\(write.stderr)")
        let listing = try run(RealFirmware.iucodeTool, ["-tr", "-L", theirArchive])
        #expect(listing.status == 0, "\(listing.stderr)")
        let theirs = IucodeToolLine.parse(listing.stdoutText).filter { $0.size != nil }.map(\.triple).sorted()
        try #require(!theirs.isEmpty)

        let job = BuildJob(sources: [.directory(dir, required: true)], request: SelectionRequest(scope: .all, vendors: [.intel]))
        let plan = try job.plan()
        let ours = plan.selection.intel.map {
            SignatureTriple(signature: $0.signature.rawValue, platforms: $0.platforms.rawValue, revision: $0.revision)
        }.sorted()
        #expect(ours == theirs)

        // Same update bytes in GenuineIntel.bin (order aside).
        let (theirMembers, _) = try Newc.walk(try Fabricate.read(theirArchive))
        let theirData = try #require(theirMembers.first { $0.name == Vendor.intel.archiveMember }).data
        let theirUpdates = try IntelUpdate.parseAll(Array(theirData), path: "iucode")
        let archive = try #require(plan.archive)
        let (ourMembers, _) = try Newc.walk(try archive.bytes())
        let ourMember = try #require(ourMembers.first { $0.name == Vendor.intel.archiveMember })
        #expect(ourMember.dataOffset % 16 == 0)
        let ourUpdates = try IntelUpdate.parseAll(Array(ourMember.data), path: "ours")
        #expect(ourUpdates.map { Array($0.bytes) }.sorted { $0.lexicographicallyPrecedes($1) }
            == theirUpdates.map { Array($0.bytes) }.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(ourMember.size == theirData.count)

        // iucode_tool reads our archive as it reads its own: same (sig, pf, rev) list.
        let ourArchive = tmp.file("ours.cpio")
        try Fabricate.write(try archive.bytes(), to: ourArchive)
        let theirList = try run(RealFirmware.iucodeTool, ["-tr", "-l", theirArchive])
        let ourList = try run(RealFirmware.iucodeTool, ["-tr", "-l", ourArchive])
        #expect(ourList.status == 0, "\(ourList.stderr)")
        let theirKept = IucodeToolLine.parse(theirList.stdoutText).map(\.triple).sorted()
        #expect(!theirKept.isEmpty)
        #expect(IucodeToolLine.parse(ourList.stdoutText).map(\.triple).sorted() == theirKept)
    }

    // MARK: Host-style selection

    @Test(.enabled(if: RealFirmware.intelDirectory != nil))
    func intelHostSelectionTakesTheNewestMatching() throws {
        let catalog = try Self.loadIntel()
        var keys: Set<SignatureTriple> = []
        for update in catalog.intel {
            for (signature, platforms) in update.signatures {
                for platform in platforms.platforms { keys.insert(SignatureTriple(signature: signature.rawValue, platforms: platform.rawValue, revision: 0)) }
            }
        }
        for key in keys {
            let cpu = CPUSignature(key.signature), pf = PlatformFlags(key.platforms)
            let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(key.signature, key.platforms)])))
            let newest = catalog.intel.filter { $0.matches(cpu, pf) }.map(\.signedRevision).max()
            let chosen = selection.intel.filter { $0.matches(cpu, pf) }
            #expect(chosen.count == 1, "\(cpu) pf \(pf)")
            #expect(chosen.first?.signedRevision == newest, "\(cpu) pf \(pf)")
            #expect(selection.intel.allSatisfy { $0.matches(cpu, pf) }, "only what the CPU uses")
        }
        if RealFirmware.isDebianFixture {
            for pf: UInt32 in [0x01, 0x02, 0x04, 0x10, 0x20, 0x80] {
                let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([intelTarget(0x50654, pf)])))
                #expect(selection.intel.map(\.revision) == [0x2007006])
            }
        }
    }

    @Test(.enabled(if: RealFirmware.amdDirectory != nil))
    func amdHostSelectionTakesTheNewestPatch() throws {
        let dir = try #require(RealFirmware.amdDirectory)
        let catalog = try MicrocodeCatalog.load([.directory(dir, required: true)])
        let cpus = Set(catalog.amd.flatMap { $0.equivalenceTable.map(\.installedCPU) })
        try #require(!cpus.isEmpty)
        for cpu in cpus {
            let ids = Set(catalog.amd.flatMap { $0.equivalenceTable.filter { $0.installedCPU == cpu }.map(\.equivalenceID) })
            let newest = catalog.amd.flatMap(\.patches).filter { ids.contains($0.processorRevisionID) }.map(\.patchID).max()
            let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(cpu.rawValue)])))
            #expect(selection.amd.flatMap { $0.patches.map(\.patchID) } == newest.map { [$0] } ?? [], "\(cpu)")
            #expect(selection.amd.flatMap(\.equivalenceTable).map(\.installedCPU) == (newest == nil ? [] : [cpu]))
        }
        if RealFirmware.isDebianFixture {
            let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus([amdTarget(0xa00f11)])))
            #expect(selection.amd.flatMap { $0.patches.map(\.patchID) } == [0x0a0011d5])
            #expect(selection.amd.first?.patches.first?.bytes.count == 5568)
        }
    }

    @Test(.enabled(if: RealFirmware.root != nil))
    func fullArchiveFromRealFirmware() throws {
        let plan = try BuildJob(sources: MicrocodeSource.firmwareDirectory(try #require(RealFirmware.root)),
                                request: SelectionRequest(scope: .all)).plan()
        let archive = try #require(plan.archive)
        let bytes = try archive.bytes()
        #expect(bytes.count % 512 == 0)
        let (members, _) = try Newc.walk(bytes)
        for placement in archive.placements {
            let member = try #require(members.first { $0.name == placement.name })
            #expect(member.dataOffset == placement.dataOffset)
            #expect(member.dataOffset % 16 == 0)
        }
        if let intel = members.first(where: { $0.name == Vendor.intel.archiveMember }) {
            #expect(Array(intel.data) == plan.selection.intel.flatMap { Array($0.bytes) })
            #expect(try IntelUpdate.parseAll(Array(intel.data), path: "GenuineIntel.bin").count == plan.selection.intel.count)
        }
        if let amd = members.first(where: { $0.name == Vendor.amd.archiveMember }) {
            let containers = try AMDContainer.parseAll(Array(amd.data), path: "AuthenticAMD.bin")
            #expect(containers.count == plan.selection.amd.count)
            #expect(containers.allSatisfy { $0.hasTerminator })
        }
    }
}
