/// One early loader as it will boot: which loader, its release and the
/// rules that release follows (`LoaderRules`), what its binary holds (the
/// AMD digest list), and the boot options that change its answer.
///
/// Without a binary (version nil, no rules) the model is the generic one:
/// Linux 6.1's and Xen 4.17's rules, the oldest still in use, with the
/// newer checks named in notes.
public struct LoaderModel: Sendable {
    public var loader: BootLoader
    public var version: LoaderVersion?
    public var rules: Set<LoaderRule>
    /// The binary's path, when the model is for one.
    public var binary: String?
    /// The digest list found in the binary; nil when it holds none (or was not read).
    public var digests: [PatchDigest]?
    /// Why the binary could not be read: every prediction is then "unknown".
    public var unreadable: String?
    public var options: LoaderOptions

    public init(loader: BootLoader, version: LoaderVersion? = nil, binary: String? = nil, digests: [PatchDigest]? = nil,
                unreadable: String? = nil, options: LoaderOptions = LoaderOptions()) {
        self.loader = loader
        self.version = version
        self.rules = version.map { LoaderRules.rules(loader, $0) } ?? []
        self.binary = binary
        self.digests = digests
        self.unreadable = unreadable
        self.options = options
    }

    /// The generic model of a loader (no binary).
    public static func generic(_ loader: BootLoader) -> LoaderModel { LoaderModel(loader: loader) }

    public func has(_ rule: LoaderRule) -> Bool { rules.contains(rule) }

    /// "Linux 6.12.117", "Xen 4.20.4", or "Linux" for the generic model.
    public var name: String { version.map { "\(loader.name) \($0)" } ?? loader.name }

    /// What the loader does with `data` (a member's data at `base` in the image) for `cpu`.
    public func predict(cpu: InspectedCPU, data: [UInt8], base: Int) -> LoadPrediction {
        var prediction: LoadPrediction
        if let unreadable {
            prediction = LoadPrediction(loader: loader, cpu: cpu, candidate: nil, reason: "unknown: \(unreadable)")
            prediction.isKnown = false
        } else if options.loaderDisabled {
            prediction = LoadPrediction(loader: loader, cpu: cpu, candidate: nil,
                                        reason: "\(options.disabledBy ?? "a boot option") turns \(name)'s early loader off")
        } else {
            prediction = switch (loader, cpu.vendor) {
            case (.linux, .intel): LinuxIntelLoader.predict(cpu, data[...], base: base)
            case (.xen, .intel): XenIntelLoader.predict(cpu, data[...], base: base)
            case (.linux, .amd): LinuxAMDLoader.predict(cpu, data[...], base: base, model: self)
            case (.xen, .amd): XenAMDLoader.predict(cpu, data[...], base: base, model: self)
            }
        }
        prediction.version = version
        prediction.binary = binary
        return prediction
    }

    // MARK: The AMD digest check, as both loaders make it

    /// What the digest check says about one patch.
    enum DigestVerdict: Equatable {
        /// Not checked (not a Zen CPU of the affected ones, fixed firmware, turned off, or a release without the check).
        case notChecked
        case listed
        /// The patch id is listed with another digest: the patch was altered.
        case mismatch
        /// The patch id is not in the list: the microcode is newer than the loader.
        case notListed
        /// The release checks, but its list could not be found in the binary.
        case unknown

        /// Whether the loader's answer is known.
        var isKnown: Bool {
            switch self {
            case .unknown: false
            case .notChecked, .listed, .mismatch, .notListed: true
            }
        }
    }

    func digestVerdict(cpu: InspectedCPU, patchID: UInt32, patch: ArraySlice<UInt8>) -> DigestVerdict {
        guard has(.amdDigestCheck), !options.digestCheckOff, EntrysignCutoffs.affected(cpu.signature, loader: loader),
              !EntrysignCutoffs.firmwareFixed(running: cpu.runningRevision)
        else { return .notChecked }
        guard let digests else { return .unknown }
        let listed = digests.filter { $0.patchID == patchID }
        guard !listed.isEmpty else { return .notListed }
        let digest = SHA256(of: patch).bytes
        return listed.contains { $0.sha256 == digest } ? .listed : .mismatch
    }

    /// The sentence for a refused patch.
    func refusal(_ verdict: DigestVerdict, patchID: UInt32) -> String {
        let patch = "patch \(Hex.word(patchID))"
        return switch verdict {
        case .notListed:
            "digest of \(patch) is not in \(name)'s list: update the \(loader == .linux ? "kernel" : "hypervisor"), or the microcode package is newer than the \(loader == .linux ? "kernel" : "hypervisor")"
        case .mismatch:
            "SHA-256 of \(patch) is not the one \(name) lists (\"SHA256 mismatch\"): the patch bytes were altered; reinstall the microcode package"
        case .unknown:
            "unknown: \(name) checks AMD patch digests, but no digest list was found in \(binary ?? "its binary")"
        case .notChecked, .listed: ""
        }
    }
}

/// Boot options that change what a loader does (`check` reads them from
/// GRUB's defaults).
public struct LoaderOptions: Sendable, Equatable {
    /// `microcode.amd_sha_check=off` (Linux, taints the kernel) or
    /// `ucode=no-digest-check` (Xen).
    public var digestCheckOff = false
    /// `dis_ucode_ldr` (Linux): no early loading at all.
    public var loaderDisabled = false
    /// The option that did it, for messages.
    public var disabledBy: String?

    public init(digestCheckOff: Bool = false, loaderDisabled: Bool = false, disabledBy: String? = nil) {
        self.digestCheckOff = digestCheckOff
        self.loaderDisabled = loaderDisabled
        self.disabledBy = disabledBy
    }
}
