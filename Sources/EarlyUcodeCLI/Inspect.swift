import EarlyUcode

struct Inspect: RunnableCommand {
    static var info: CommandInfo { CommandInfo(
        name: "inspect",
        abstract: "Show the early part of an initrd and which microcode Linux and Xen would load from it.",
        discussion: """
            Walks the uncompressed front of IMAGE as Linux's early loader and Xen's ucode=scan do, \
            and stops where it ends: a compressed main archive is never decompressed (only its first \
            names are looked at). Shows each early archive, each microcode member and the updates in \
            it, members the loaders never use, and what follows (each part in turn: on Debian 13 an \
            uncompressed cpio of compressed modules and firmware, then the compressed main archive). For each CPU (default: this host's) \
            and each kernel and Xen that will boot (/boot's, or --kernel/--xen), it shows the update that release \
            takes, with the rules of its version (the AMD digest list read from the binary itself), or why it \
            takes none; for this host's CPUs, how that compares with the running revision. IMAGE may also be a unified kernel image (a PE with .linux; its .ucode and .initrd are read as \
            systemd-stub hands them to Linux, predicted for its own .linux kernel), a microcode cpio or a bare vendor \
            file. Exits 1, after the report, when a microcode member is malformed.
            """) }

    static var parameters: Parameters<Self> {
        Parameters(
            .argument("IMAGE", \.image, help: "The initrd, microcode cpio or microcode file to inspect."),
            .option("cpu", \.cpus, value: "SIG[,PF]", help: "Predict for this CPU: signature (0x50654 or 06-55-04), optional Intel platform flags (repeatable)."),
            .flag("host", \.host, help: "Predict for this host's CPUs (the default; combines with --cpu)."),
            .group(\.hostInputs),
            .group(\.loaders),
            .flag("json", \.json, help: "Print the report as one JSON object (see docs/json.md)."))
    }

    var image = ""

    var cpus: [String] = []

    var host = false

    var hostInputs = HostInputOptions()

    var loaders = LoaderBinaryOptions()

    var json = false

    func validate() throws {
        for cpu in cpus where CPUTarget(parsing: cpu) == nil {
            throw UsageError("--cpu \(cpu): expected SIG[,PF], e.g. 0x50654 or 0x50654,0x80")
        }
    }

    func run(in context: CommandContext) throws {
        var problem: InputError?
        try context.reporting {
            let cpus = try inspectedCPUs(in: context)
            let inspection: ImageInspection
            var uki: UKIReport?
            if Self.isPE(image) {
                (inspection, uki) = try inspectUKI(cpus: cpus, in: context)
            } else {
                inspection = try ImageInspection.inspect(path: image, cpus: cpus, loaders: loaders.installed(in: context).models())
            }
            var report = InspectReport(inspection)
            report.uki = uki
            if json {
                try context.json(report)
            } else {
                for line in report.lines { context.out(line) }
                for note in report.notes { context.note(note) }
            }
            problem = inspection.firstProblem
        }
        if let problem {
            context.error(problem.description)
            throw ExitStatus(1)
        }
    }

    /// A PE image (starts with "MZ"): read as a unified kernel image.
    static func isPE(_ path: String) -> Bool {
        guard let file = try? ImageFile(path: path), let head = try? file.read(at: 0, count: 2) else { return false }
        return PEImage.looksLikePE(head)
    }

    /// A unified kernel image: the initrd systemd-stub builds from its
    /// `.ucode` and `.initrd`, predicted for the kernel in its own `.linux`
    /// (or the --kernel ones; Xen does not boot a UKI).
    private func inspectUKI(cpus: [InspectedCPU], in context: CommandContext) throws -> (ImageInspection, UKIReport) {
        let uki = try UnifiedKernelImage.read(path: image)
        var kernel: LoaderBinary?
        var models: [LoaderModel] = []
        if !loaders.noLoaders {
            if loaders.kernels.isEmpty {
                let own = uki.kernel()
                kernel = own
                models = [LoaderModel(own)]
            } else {
                models = loaders.installed(in: context).kernels.map { LoaderModel($0) }
            }
        }
        let inspection = try uki.inspect(cpus: cpus, loaders: models)
        return (inspection, UKIReport(uki, kernel: kernel ?? uki.kernelHeader()))
    }

    /// The host's CPUs (with their running revisions) unless only --cpu is
    /// given; a named CPU the host has gets the host's revision.
    private func inspectedCPUs(in context: CommandContext) throws -> [InspectedCPU] {
        let wantsHost = host || cpus.isEmpty
        let hostCPUs: HostCPUs? = wantsHost ? try hostInputs.read(in: context) : try? hostInputs.read(in: context)
        return InspectedCPU.list(host: hostCPUs, includeHost: wantsHost, named: cpus.compactMap(CPUTarget.init(parsing:)))
    }
}
