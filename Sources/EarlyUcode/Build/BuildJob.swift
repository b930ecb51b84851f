/// What `build` does, apart from argument parsing: read, select, lay out.
/// The CLI and the tests share it.
public struct BuildJob: Sendable {
    public var sources: [MicrocodeSource]
    public var skipInvalid: Bool
    public var request: SelectionRequest
    /// `SOURCE_DATE_EPOCH`, when set.
    public var sourceDateEpoch: Int?
    /// Who may have written the sources; nil reads whatever it is given.
    public var sourceTrust: SourceTrust?
    /// Whether `plan` checks every byte of the sources, or what it could
    /// write.
    public var checks: Checks

    /// How much of the sources a plan checks byte for byte.
    public enum Checks: Sendable {
        /// Every update (`list`, `check`).
        case everything
        /// For a list of CPUs, the Intel updates that could be for them
        /// (and every AMD container); the other Intel updates by their
        /// headers only (`CheckScope.intel`). With `.all`, everything.
        case whatCanBeWritten
    }

    public init(
        sources: [MicrocodeSource], skipInvalid: Bool = false, request: SelectionRequest, sourceDateEpoch: Int? = nil,
        sourceTrust: SourceTrust? = nil, checks: Checks = .everything
    ) {
        self.sources = sources
        self.skipInvalid = skipInvalid
        self.request = request
        self.sourceDateEpoch = sourceDateEpoch
        self.sourceTrust = sourceTrust
        self.checks = checks
    }

    public struct Plan: Sendable {
        public var catalog: MicrocodeCatalog
        public var selection: Selection
        public var mtime: Int

        public var archive: EarlyArchive? {
            selection.isEmpty ? nil : EarlyArchive(selection: selection, mtime: mtime)
        }

        /// The report for `build`, given where the archive went.
        public func report(output: String?, size: Int) -> BuildReport {
            let placements = archive?.placements ?? []
            var verdicts: [MicrocodeOrigin: Verdict] = [:]
            // A file read twice gives two updates with one origin; the selected one speaks for both.
            func record(_ origin: MicrocodeOrigin, _ verdict: Verdict) {
                if verdicts[origin]?.isSelected != true { verdicts[origin] = verdict }
            }
            for (update, verdict) in zip(catalog.intel, selection.intelVerdicts) { record(update.origin, verdict) }
            for (patch, verdict) in zip(catalog.amd.flatMap(\.patches), selection.amdVerdicts) { record(patch.origin, verdict) }
            return BuildReport(
                output: output,
                size: size,
                mtime: mtime,
                members: placements.map { MemberReport(name: $0.name, dataOffset: $0.dataOffset, size: $0.size) },
                updates: selection.intel.map { UpdateReport($0, verdict: verdicts[$0.origin]) }
                    + selection.amd.flatMap { container in
                        container.patches.map { UpdateReport($0, table: container.equivalenceTable, verdict: verdicts[$0.origin]) }
                    },
                invalidFiles: catalog.invalid.map(FileProblemReport.init),
                notes: selection.notes)
        }
    }

    /// What `plan` reads in full.
    var scope: CheckScope {
        guard checks == .whatCanBeWritten, case .cpus(let targets) = request.scope else { return .everything }
        guard request.vendors.contains(.intel) else { return .intel(for: []) }
        return .intel(for: Set(targets.filter { $0.vendor != .amd }.map(\.signature)))
    }

    public func plan() throws -> Plan {
        let catalog = try MicrocodeCatalog.load(sources, skipInvalid: skipInvalid, trust: sourceTrust, checking: scope)
        let selection = Selection(catalog: catalog, request: request)
        let mtime = sourceDateEpoch ?? selection.newestDate?.secondsSinceEpoch ?? 0
        return Plan(catalog: catalog, selection: selection, mtime: mtime)
    }

    /// `SOURCE_DATE_EPOCH` as the reproducible-builds spec defines it: a
    /// decimal count of seconds; anything else is an error, not ignored.
    public static func sourceDateEpoch(from environment: [String: String]) throws -> Int? {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return nil }
        guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(text) else {
            throw InputError(path: "SOURCE_DATE_EPOCH", .config(.badSourceDateEpoch(text)))
        }
        return value
    }
}
