/// One thing `early-ucode check` found.
public struct Finding: Sendable, Equatable, Encodable {
    public enum Level: String, Sendable, Equatable, Encodable, Comparable {
        case ok, warning, problem

        var rank: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .problem: 2
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    public enum Area: String, Sendable, Equatable, Encodable, CaseIterable {
        case config, cpu, images, integration, initramfs, grub
        /// The EFI system partition: xen.efi's configurations, unified kernel images.
        case efi
        case lateLoading = "late-loading"
    }

    public var level: Level
    public var area: Area
    public var message: String
    /// The file the finding is about, when there is one.
    public var path: String?
    public var line: Int?

    public init(_ level: Level, _ area: Area, _ message: String, path: String? = nil, line: Int? = nil) {
        self.level = level
        self.area = area
        self.message = message
        self.path = path
        self.line = line
    }

    /// `problem  grub  /boot/grub/grub.cfg:42: message`
    public var text: String {
        var location = ""
        if let path {
            location = path + (line.map { ":\($0)" } ?? "") + ": "
        }
        return "\(level.rawValue.padding(7)) \(area.rawValue.padding(12)) \(location)\(message)"
    }
}

/// The answer to "will this host load current microcode early at its next
/// boot": findings, and ready when none is a problem.
public struct ReadinessReport: Sendable, Encodable {
    public var ready: Bool
    public var findings: [Finding]

    public init(findings: [Finding]) {
        self.findings = findings
        ready = !findings.contains { $0.level == .problem }
    }
}
