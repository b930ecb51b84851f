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

    public init(
        sources: [MicrocodeSource], skipInvalid: Bool = false, request: SelectionRequest, sourceDateEpoch: Int? = nil,
        sourceTrust: SourceTrust? = nil
    ) {
        self.sources = sources
        self.skipInvalid = skipInvalid
        self.request = request
        self.sourceDateEpoch = sourceDateEpoch
        self.sourceTrust = sourceTrust
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

    public func plan() throws -> Plan {
        let catalog = try MicrocodeCatalog.load(sources, skipInvalid: skipInvalid, trust: sourceTrust)
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
