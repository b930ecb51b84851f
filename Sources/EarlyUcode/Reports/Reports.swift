// The machine-readable reports of `detect`, `list` and `build --json`.
// Field names and meanings are documented in docs/json.md; add fields,
// never rename or remove them.

public struct SignatureReport: Encodable, Sendable, Equatable {
    public var signature: String
    /// Intel: the platform-flag mask. AMD: absent.
    public var platformFlags: String?
    /// AMD: the equivalence id the CPU maps to. Intel: absent.
    public var equivalenceID: String?
}

public struct UpdateReport: Encodable, Sendable, Equatable {
    public var vendor: String
    public var signatures: [SignatureReport]
    public var revision: String
    public var date: String
    public var size: Int
    public var file: String
    public var offset: Int
    public var selected: Bool
    /// selected, older, duplicate, excluded, other-cpu, other-vendor.
    public var status: String
    public var reason: String

    public init(_ update: IntelUpdate, verdict: Verdict?) {
        vendor = "intel"
        signatures = update.signatures.map { SignatureReport(signature: $0.signature.description, platformFlags: $0.platforms.description) }
        revision = Hex.short(update.revision)
        date = update.date.description
        size = update.totalSize
        file = update.origin.path
        offset = update.origin.offset
        selected = verdict?.isSelected ?? true
        status = verdict?.code ?? "selected"
        reason = verdict?.explanation ?? ""
    }

    public init(_ patch: AMDPatch, table: [EquivalenceEntry], verdict: Verdict?) {
        vendor = "amd"
        signatures = table.filter { $0.equivalenceID == patch.processorRevisionID }.map {
            SignatureReport(signature: $0.installedCPU.description, equivalenceID: Hex.short(UInt32($0.equivalenceID)))
        }
        revision = Hex.short(patch.patchID)
        date = patch.date.description
        size = patch.bytes.count
        file = patch.origin.path
        offset = patch.origin.offset
        selected = verdict?.isSelected ?? true
        status = verdict?.code ?? "selected"
        reason = verdict?.explanation ?? ""
    }

    /// One line, as `list` prints it.
    public var line: String {
        let sigs = signatures.map { sig in
            sig.signature + (sig.platformFlags.map { "/pf " + $0 } ?? "") + (sig.equivalenceID.map { "/eq " + $0 } ?? "")
        }
        let cpus = sigs.isEmpty ? "(no CPU in its table)" : sigs.joined(separator: ",")
        return "\(selected ? "*" : "-") \(vendor.padding(5)) \(cpus) rev \(revision) \(date) \(size) bytes \(file):\(offset) \(status)"
            + (reason.isEmpty ? "" : ": \(reason)")
    }
}

public struct FileProblemReport: Encodable, Sendable, Equatable {
    public var file: String
    public var offset: Int?
    public var line: Int?
    public var reason: String

    public init(_ error: InputError) {
        file = error.path
        offset = error.offset
        line = error.line
        reason = error.reason
    }

    public init(_ skipped: SkippedFile) {
        file = skipped.path
        reason = skipped.reason
    }
}

public struct ListReport: Encodable, Sendable {
    public var updates: [UpdateReport]
    public var skippedFiles: [FileProblemReport]
    public var invalidFiles: [FileProblemReport]
    public var notes: [String]

    public init(catalog: MicrocodeCatalog, selection: Selection) {
        updates = zip(catalog.intel, selection.intelVerdicts).map { UpdateReport($0, verdict: $1) }
        var flat = 0
        for container in catalog.amd {
            for patch in container.patches {
                updates.append(UpdateReport(patch, table: container.equivalenceTable, verdict: selection.amdVerdicts[flat]))
                flat += 1
            }
        }
        skippedFiles = catalog.skipped.map(FileProblemReport.init)
        invalidFiles = catalog.invalid.map(FileProblemReport.init)
        notes = selection.notes
    }
}

public struct MemberReport: Encodable, Sendable, Equatable {
    public var name: String
    public var dataOffset: Int
    public var size: Int
}

public struct BuildReport: Encodable, Sendable {
    /// The file written, "-" for standard output, or nil when nothing applied.
    public var output: String?
    public var size: Int
    public var mtime: Int
    public var members: [MemberReport]
    /// What the archive holds.
    public var updates: [UpdateReport]
    public var invalidFiles: [FileProblemReport]
    public var notes: [String]
}

public struct CPUGroupReport: Encodable, Sendable, Equatable {
    public var vendor: String
    public var signature: String
    public var family: Int
    public var model: Int
    public var stepping: Int
    public var familyModelStepping: String
    public var platformFlags: String?
    public var revision: String?
    public var cpus: [Int]

    public init(_ group: CPUGroup) {
        vendor = group.vendorID
        signature = group.signature.description
        family = group.family
        model = group.model
        stepping = group.stepping
        familyModelStepping = group.signature.familyModelStepping
        platformFlags = group.platforms?.description
        revision = group.revision.map(Hex.short)
        cpus = group.cpus
    }

    public var line: String {
        let pf = vendor == Vendor.intel.rawValue ? " pf \(platformFlags ?? "unknown")" : ""
        return "\(vendor) \(signature) (\(familyModelStepping))\(pf) rev \(revision ?? "unknown") cpus \(CPUList.format(cpus))"
    }
}

public struct MixedRevisionReport: Encodable, Sendable, Equatable {
    public struct Running: Encodable, Sendable, Equatable {
        public var revision: String?
        public var cpus: [Int]
    }

    public var signature: String
    public var revisions: [Running]

    public init(_ mixed: MixedRevisions) {
        signature = mixed.signature.description
        revisions = mixed.revisions.map { Running(revision: $0.revision.map(Hex.short), cpus: $0.cpus) }
    }

    public var warning: String {
        let parts = revisions.map { "\($0.revision ?? "unknown") on \(CPUList.format($0.cpus))" }
        return "logical CPUs of \(signature) run different microcode revisions (\(parts.joined(separator: ", "))): "
            + "the mismatched state a late load leaves (CPUs updated one by one while running, with features and mitigations decided on the old revision); "
            + "early loading updates each CPU before it runs anything: rebuild the early archive and reboot"
    }
}

public struct DetectReport: Encodable, Sendable {
    public var cpus: [CPUGroupReport]
    public var mixedRevisions: [MixedRevisionReport]

    public init(host: HostCPUs) {
        cpus = host.groups.map(CPUGroupReport.init)
        mixedRevisions = host.mixedRevisions.map(MixedRevisionReport.init)
    }
}

public enum CPUList {
    /// `0-3,8,10-11`
    public static func format(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = numbers.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
