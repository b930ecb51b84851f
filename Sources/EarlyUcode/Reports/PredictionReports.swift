// What `inspect` and `check` say each loader takes from an image, per
// CPU (text and --json). Field names and meanings are documented in
// docs/json.md; add fields, never rename or remove them.

public struct LoaderReport: Encodable, Sendable, Equatable {
    /// The revision the loader takes; absent when it takes nothing.
    public var revision: String?
    public var date: String?
    /// Where the update (Intel) or patch section (AMD) is in the image.
    public var offset: Int?
    /// Against the running revision, when known: newer, equal, older.
    public var comparison: String?
    /// Whether the loader writes it to the CPU (known with the running revision).
    public var applies: Bool?
    public var reason: String
    public var notes: [String]

    init(_ prediction: LoadPrediction) {
        revision = prediction.candidate.map { Hex.short($0.revision) }
        date = prediction.candidate?.date.description
        offset = prediction.candidate?.offset
        comparison = prediction.comparison?.rawValue
        applies = prediction.applies
        reason = prediction.reason
        notes = prediction.notes
    }

    /// `0x2007006 (2023-03-06, at offset 1072), newer than the running 0x2006e05: loaded; highest ...`
    func line(running: UInt32?) -> String {
        guard let revision, let date, let offset else { return (reason.hasPrefix("unknown: ") ? "" : "nothing: ") + reason }
        var text = "\(revision) (\(date), at offset \(offset))"
        if let comparison, let running {
            let verb = comparison == "equal" ? "equal to" : comparison + " than"
            text += ", \(verb) the running \(Hex.short(running))"
            if let applies { text += applies ? ": loaded" : ": not loaded" }
        }
        return text + "; " + reason
    }
}

public struct CPULoadReport: Encodable, Sendable, Equatable {
    public var vendor: String
    public var signature: String
    public var platformFlags: String?
    /// This host's CPU (its running revision is known).
    public var host: Bool
    public var runningRevision: String?
    /// The generic models (Linux 6.1's and Xen 4.17's rules, no binary).
    public var linux: LoaderReport
    public var xen: LoaderReport
    /// One per loader binary that will boot (`inspect --kernel/--xen`, or
    /// /boot's): what that release takes.
    public var predictions: [LoaderPredictionReport]
}

/// What one loader binary takes for one CPU.
public struct LoaderPredictionReport: Encodable, Sendable, Equatable {
    /// linux or xen.
    public var loader: String
    /// The kernel or Xen image.
    public var binary: String?
    /// The release read from the binary (`6.12.117`); absent when unknown.
    public var version: String?
    /// The revision it loads; absent when it takes nothing (or it is not known).
    public var takes: String?
    /// False when the binary (or its digest list) could not be read: then
    /// `takes` is absent and `reason` starts "unknown: ".
    public var known: Bool
    public var reason: String
    public var detail: LoaderReport

    init(_ prediction: LoadPrediction) {
        loader = prediction.loader.rawValue
        binary = prediction.binary
        version = prediction.version?.description
        takes = prediction.candidate.map { Hex.short($0.revision) }
        known = prediction.isKnown
        reason = prediction.refusedAtLoad.map { "found, but not loaded: " + $0 } ?? prediction.reason
        detail = LoaderReport(prediction)
    }
}
