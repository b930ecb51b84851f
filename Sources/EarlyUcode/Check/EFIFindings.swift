extension ReadinessCheck {
    // MARK: - The EFI system partition

    /// What the EFI boot paths load: each xen.efi configuration's sections
    /// that boot Xen (a `ucode=`, the file there, readable by that Xen's
    /// release, holding the newest microcode for this host's CPUs), and
    /// each unified kernel image in `EFI/Linux/` (what its kernel takes
    /// from its `.ucode` and `.initrd`). No ESP at `inputs.esp`: none.
    static func efi(_ inputs: ReadinessInputs, config: EarlyUcodeConfig, host: HostCPUs?, plan: BuildJob.Plan?) -> [Finding] {
        guard FileIO.resolvedKind(inputs.esp) == .directory else { return [] }
        let cache = LoaderBinaryCache(directory: inputs.loaderCache)
        let cpus = InspectedCPU.list(host: host, includeHost: true)
        let discovery = XenEFI.discover(esp: inputs.esp, cache: cache)
        var findings = discovery.notes.map { Finding(.warning, .efi, $0) }
        for target in discovery.targets {
            findings += xenEFIFindings(target, esp: inputs.esp, cpus: cpus, expected: plan?.selection, wantsUcode: config.xen != .no)
        }
        for uki in unifiedKernelImages(in: inputs.esp) {
            findings += ukiFindings(uki, cpus: cpus, expected: plan?.selection)
        }
        if discovery.targets.isEmpty && unifiedKernelImages(in: inputs.esp).isEmpty {
            findings.append(Finding(.ok, .efi, "no xen.efi configuration and no unified kernel image in EFI/Linux: nothing boots from here with microcode of its own", path: inputs.esp))
        }
        return findings
    }

    static let efiFix = "run 'early-ucode efi enable'"

    static func xenEFIFindings(_ target: XenEFI.Target, esp: String, cpus: [InspectedCPU], expected: Selection?, wantsUcode: Bool) -> [Finding] {
        let config: XenEFIConfig
        do {
            config = try XenEFIConfig.load(target.config)
        } catch {
            return [problem(.efi, error, hint: "xen.efi may read it otherwise; early-ucode efi enable refuses it")]
        }
        var findings: [Finding] = []
        for image in target.images {
            if let problem = image.binary.problem {
                findings.append(Finding(.warning, .efi, "\(image.path): \(problem.reason): judged with Xen 4.17's rules, and only a raw ucode= file is right for it", path: target.config))
            }
            if image.hasUcodeSection {
                findings.append(Finding(.warning, .efi, "\(image.path) carries a .ucode section, which it loads instead of any ucode= (a unified xen.efi): rebuild it with current microcode", path: target.config))
            }
        }
        let sections = config.bootSections
        if sections.isEmpty {
            findings.append(Finding(.warning, .efi, "no section with kernel=: nothing here boots Xen", path: target.config))
        }
        for section in sections {
            let header = config.lines[section.header].number
            let name = "[\(section.name)]"
            // Xen's own command line (options=): ucode=no-digest-check turns the digest check off.
            let options = BootOptions(linuxWords: [], xen: XenCommandLine(parsing: config.value(of: "options", in: section) ?? "")).xen
            guard let ucode = config.ucode(for: section) else {
                findings.append(Finding(wantsUcode ? .problem : .warning, .efi,
                    "\(name): no ucode= (in the section or [global]): \(target.xenNames) loads no microcode early (\(wantsUcode ? efiFix : "EARLY_UCODE_XEN=no"))",
                    path: target.config, line: header))
                continue
            }
            let line = config.lines[ucode.line].number
            let from = ucode.fromGlobal ? " (from [global])" : ""
            guard let file = XenEFI.resolve(ucode: ucode.file, in: target.directory, esp: esp) else {
                // efi_arch_cfg_file_late() -> read_file(): an open failure is PrintErrMesg(), which exits.
                findings.append(Finding(.problem, .efi,
                    "\(name): ucode=\(ucode.file)\(from) names no file beside the configuration: xen.efi stops (\"Open failed for \(ucode.file)\") and does not boot; \(efiFix)",
                    path: target.config, line: line))
                continue
            }
            let inspection: ImageInspection
            do {
                inspection = try ImageInspection.inspect(path: file, cpus: cpus, loaders: target.models.map { model in
                    var model = model
                    model.options = options
                    return model
                })
            } catch {
                findings.append(Finding(.problem, .efi, "\(name): ucode=\(ucode.file)\(from) cannot be read: \(error.description)", path: target.config, line: line))
                continue
            }
            if case .initrd = inspection.image.kind {
                let raw = target.images.isEmpty ? ["its Xen (of unknown version)"]
                    : target.images.filter { $0.takesCPIO != true }.map { "\($0.name) (\($0.path))" }
                if !raw.isEmpty {
                    findings.append(Finding(.problem, .efi,
                        "\(name): ucode=\(ucode.file)\(from) is a cpio archive, but \(raw.joined(separator: ", ")) reads ucode= as a raw vendor file (a cpio only from Xen 4.20.3, 4.21.1, 4.22): it finds no microcode in it; \(efiFix)",
                        path: target.config, line: line))
                    continue
                }
            }
            if case .empty = inspection.image.kind {
                findings.append(Finding(.problem, .efi, "\(name): ucode=\(ucode.file)\(from) is empty: Xen loads no microcode; \(efiFix)", path: target.config, line: line))
                continue
            }
            for member in inspection.members {
                if let problem = member.problem {
                    findings.append(Finding(.problem, .efi, "\(name): malformed microcode in \(ucode.file): \(problem.description); \(efiFix)", path: target.config, line: line))
                }
            }
            for prediction in inspection.predictions {
                let cpu = prediction.cpu
                let newest = expected?.newestAvailable(for: cpu.signature, platforms: cpu.platforms, vendor: cpu.vendor)
                for finding in InitrdFindings.judge(prediction.loaders.filter { $0.loader == .xen }, generic: prediction.xen, newest: newest,
                                                    path: file, area: .efi, fix: efiFix) {
                    var finding = finding
                    finding.message = "\(name) ucode=\(ucode.file)\(from): " + finding.message
                    finding.path = target.config
                    finding.line = line
                    findings.append(finding)
                }
            }
        }
        return findings
    }

    /// `EFI/Linux/*.efi` (any case, as FAT names are): where systemd-boot
    /// and kernel-install put unified kernel images (the Boot Loader
    /// Specification's type #2 entries).
    public static func unifiedKernelImages(in esp: String) -> [String] {
        func child(_ folder: String, _ wanted: String) -> String? {
            ((try? FileIO.entries(of: folder)) ?? []).first { $0.lowercased() == wanted }.map { Path.join(folder, $0) }
        }
        guard let efi = child(esp, "efi"), let linux = child(efi, "linux") else { return [] }
        return ((try? FileIO.entries(of: linux)) ?? [])
            .filter { $0.lowercased().hasSuffix(".efi") && FileIO.kind(Path.join(linux, $0)) == .regular }
            .map { Path.join(linux, $0) }
    }

    static let ukiFix = "rebuild the UKI with the current microcode (ukify build --microcode, or kernel-install add)"

    static func ukiFindings(_ path: String, cpus: [InspectedCPU], expected: Selection?) -> [Finding] {
        let uki: UnifiedKernelImage
        do {
            uki = try UnifiedKernelImage.read(path: path)
        } catch {
            return [Finding(.problem, .efi, "cannot be read as a unified kernel image: \(error.description)", path: path)]
        }
        var findings: [Finding] = []
        // The UKI's built-in command line, as BootOptions reads GRUB's.
        let words = (uki.cmdline ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let options = BootOptions(linuxWords: words, xen: XenCommandLine(parsing: ""))
        for found in options.found {
            findings.append(found.option == "dis_ucode_ldr"
                ? Finding(.problem, .efi, ".cmdline has dis_ucode_ldr: Linux's early loader is off, so no CPU gets microcode at boot", path: path)
                : Finding(.warning, .efi, ".cmdline has \(found.option): Linux loads AMD Zen patches without checking their SHA-256 against its list", path: path))
        }
        let kernel = uki.kernel()
        let inspection: ImageInspection
        do {
            inspection = try uki.inspect(cpus: cpus, loaders: [LoaderModel(kernel, options: options.linux)])
        } catch {
            return findings + [Finding(.problem, .efi, "the initrd systemd-stub builds (.ucode, .initrd) cannot be inspected: \(error.description)", path: path)]
        }
        if uki.ucode == nil {
            findings.append(Finding(.warning, .efi, "no .ucode section: only microcode at the start of .initrd is loaded early (\(ukiFix))", path: path))
        }
        for member in inspection.members {
            if let problem = member.problem {
                findings.append(Finding(.problem, .efi, "malformed microcode: \(problem.description): \(ukiFix)", path: path))
            }
            if let entry = member.member, !entry.isUsed {
                findings.append(Finding(.warning, .efi, "\(entry.member.name) at offset \(entry.member.offset) of the initrd systemd-stub builds is shadowed by an earlier one and never loaded", path: path))
            }
        }
        for prediction in inspection.predictions {
            let cpu = prediction.cpu
            let newest = expected?.newestAvailable(for: cpu.signature, platforms: cpu.platforms, vendor: cpu.vendor)
            findings += InitrdFindings.judge(prediction.loaders.filter { $0.loader == .linux }, generic: prediction.linux, newest: newest,
                                             path: path, area: .efi, fix: ukiFix)
        }
        return findings
    }
}
