import Foundation
import Testing

@testable import EarlyUcode

/// "The newest update available for this CPU" has one answer
/// (`Selection.newestAvailable`), and `check`'s CPU findings, its image
/// findings and `inspect` agree on it and on whether a boot loads it, also
/// when an Intel pre-production (negative) revision is involved: Intel and
/// early-ucode order revisions signed, Linux and Xen unsigned.
@Suite("Newest available: one answer, signed and unsigned orders")
struct NewestAvailableTests {
    static let production: UInt32 = 0x2007006
    /// A pre-production revision: negative as Int32, the largest as UInt32.
    static let preProduction: UInt32 = 0xffff_ff01

    static func host(running: UInt32) -> HostCPUs {
        HostCPUs(cpus: [0, 1].map {
            LogicalCPU(number: $0, vendorID: "GenuineIntel", family: 6, model: 0x55, stepping: 4,
                       signature: CPUSignature(0x50654), revision: running, platforms: PlatformFlags(0x01))
        })
    }

    static func updates(_ revisions: [UInt32]) throws -> [IntelUpdate] {
        try revisions.flatMap { try IntelUpdate.parseAll(Fabricate.intelUpdate(revision: $0), path: "06-55-04") }
    }

    /// Both updates in the sources, selected for the host's CPU.
    static func plan(running: UInt32) throws -> BuildJob.Plan {
        var catalog = MicrocodeCatalog()
        catalog.intel = try updates([preProduction, production])
        let selection = Selection(catalog: catalog, request: SelectionRequest(scope: .cpus(host(running: running).targets)))
        return BuildJob.Plan(catalog: catalog, selection: selection, mtime: 0)
    }

    /// An initrd whose early archive holds `revisions`, in that order.
    static func image(_ revisions: [UInt32], in tmp: TemporaryDirectory) throws -> String {
        let member = EarlyArchive.Member(vendor: .intel, chunks: try updates(revisions).map(\.bytes))
        let bytes = try EarlyArchive(members: [member], mtime: 0).bytes() + [0x1f, 0x8b, 0x08, 0x00] + [UInt8](repeating: 0, count: 60)
        let path = tmp.file("initrd.img-test")
        try Fabricate.write(bytes, to: path)
        return path
    }

    struct Answers {
        var newest: AvailableUpdate?
        var cpu: Finding
        var image: Finding
        var inspect: LoadPrediction
    }

    static func answers(running: UInt32, image revisions: [UInt32]) throws -> Answers {
        let tmp = try TemporaryDirectory()
        let host = host(running: running)
        let plan = try plan(running: running)
        let path = try image(revisions, in: tmp)
        let cpu = try #require(ReadinessCheck.cpuFindings(host, plan: plan).first)
        let context = ImageCheckContext(images: [path], host: host, expected: plan.selection, catalog: plan.catalog, xenEntries: [])
        let image = try #require(InitrdFindings().findings(for: context).first)
        let inspection = try ImageInspection.inspect(path: path, cpus: InspectedCPU.list(host: host, includeHost: true))
        let inspect = try #require(inspection.predictions.first?.linux)
        return Answers(newest: plan.selection.newestAvailable(for: CPUSignature(0x50654), platforms: PlatformFlags(0x01), vendor: .intel),
                       cpu: cpu, image: image, inspect: inspect)
    }

    @Test func theSelectionPrefersProductionToPreProduction() throws {
        let plan = try Self.plan(running: 0x10)
        #expect(plan.selection.intel.map(\.revision) == [Self.production])
        #expect(plan.selection.newestAvailable(for: CPUSignature(0x50654), platforms: nil, vendor: .intel)?.revision == Self.production)
        // The orders, as written down once.
        #expect(RevisionOrder.selectionIntel.isNewer(Self.production, than: Self.preProduction))
        #expect(RevisionOrder.linux.isNewer(Self.preProduction, than: Self.production))
        #expect(RevisionOrder.xen.isNewer(Self.preProduction, than: Self.production))
    }

    /// Production running, an image of early-ucode's: all say "0x2007006, loaded".
    @Test func productionRunningOlder() throws {
        let answers = try Self.answers(running: 0x2006e05, image: [Self.production])
        #expect(answers.newest?.revision == Self.production)
        #expect(answers.cpu.level == .warning)
        #expect(answers.cpu.message.contains("older than 0x2007006 available"))
        #expect(answers.image.level == .ok)
        #expect(answers.image.message.contains("loads 0x2007006 (running 0x2006e05), the newest available"))
        #expect(answers.inspect.candidate?.revision == Self.production)
        #expect(answers.inspect.applies == true)
    }

    /// A pre-production revision running: the update is newer by Intel's
    /// order, but neither Linux nor Xen loads it; all three say so.
    @Test func preProductionRunning() throws {
        let answers = try Self.answers(running: Self.preProduction, image: [Self.production])
        #expect(answers.newest?.revision == Self.production)
        #expect(RevisionStanding(running: Self.preProduction, available: try #require(answers.newest)) == .preProductionRunning)
        #expect(answers.cpu.level == .warning)
        #expect(answers.cpu.message.contains("a pre-production revision; 0x2007006 is available"))
        #expect(answers.cpu.message.contains("never load it"))
        #expect(answers.image.level == .warning)
        #expect(answers.image.message.contains("takes 0x2007006, the newest available, but does not load it"))
        #expect(answers.inspect.candidate?.revision == Self.production)
        #expect(answers.inspect.comparison == .older)
        #expect(answers.inspect.applies == false)
    }

    /// An image holding both (as a plain concatenation would): Linux takes
    /// the pre-production one, which check calls out, whatever its position.
    @Test(arguments: [[preProduction, production], [production, preProduction]])
    func imageWithBoth(_ order: [UInt32]) throws {
        let answers = try Self.answers(running: 0x2006e05, image: order)
        #expect(answers.newest?.revision == Self.production)
        #expect(answers.inspect.candidate?.revision == Self.preProduction)
        #expect(answers.image.level == .problem)
        #expect(answers.image.message.contains("loads 0xffffff01 (running 0x2006e05), a pre-production revision it prefers to the 0x2007006 available"))
    }

    /// Only pre-production microcode for a CPU running production: the
    /// loaders would load it; check warns.
    @Test func onlyPreProductionAvailable() throws {
        let newest = AvailableUpdate(vendor: .intel, revision: Self.preProduction, origin: MicrocodeOrigin(path: "f", offset: 0))
        let standing = RevisionStanding(running: Self.production, available: newest)
        #expect(standing == .preProductionAvailable)
        #expect(standing.isWarning)
        #expect(RevisionStanding(running: 0x10, available: AvailableUpdate(vendor: .amd, revision: 0xffff_ff01, origin: newest.origin)) == .behind)
    }
}
