public enum ReadinessCheck {
    public static func run(_ inputs: ReadinessInputs, images inspector: (any ImageInspecting)?) -> ReadinessReport {
        var findings: [Finding] = []

        // Configuration.
        var config = EarlyUcodeConfig()
        do {
            if let path = inputs.config { config = try EarlyUcodeConfig.load(path, required: inputs.configRequired) }
            if config.path == nil {
                let what = inputs.config == nil ? "no configuration read (--no-config)" : "no configuration file"
                findings.append(Finding(.ok, .config, "\(what): defaults apply (EARLY_UCODE follows initramfs-tools' MODULES, EARLY_UCODE_XEN=auto)", path: inputs.config))
            } else {
                findings.append(Finding(.ok, .config, "read: " + config.summary, path: inputs.config))
            }
            if config.scope == .no {
                findings.append(Finding(.warning, .config, "EARLY_UCODE=no: the initramfs hook adds no microcode to new images", path: inputs.config))
            }
        } catch {
            findings.append(problem(.config, error, hint: "the initramfs hook fails on it and builds images without early-ucode's archive"))
        }

        // CPUs and what the sources hold for them.
        var host: HostCPUs?
        do {
            host = try HostCPUs.read(cpuinfo: inputs.cpuinfo, sysfs: inputs.sysfs)
        } catch {
            findings.append(problem(.cpu, error))
        }
        var plan: BuildJob.Plan?
        // The configured folders, or the system's below the root (a captured tree has its own /lib/firmware).
        let sources = inputs.firmware ?? config.sources(commandLine: [], systemDefaults: MicrocodeSource.systemDefaults(under: inputs.root))
        if let host {
            let request = SelectionRequest(scope: .cpus(host.targets + config.cpus), exclusions: config.exclusions)
            do {
                let loaded = try BuildJob(sources: sources, request: request).plan()
                if loaded.catalog.isEmpty {
                    findings.append(Finding(.problem, .cpu, "no microcode found in \(sources.map(\.path).joined(separator: ", ")): install intel-microcode/amd64-microcode or set EARLY_UCODE_FIRMWARE_DIRS"))
                } else {
                    plan = loaded
                }
            } catch {
                findings.append(problem(.cpu, error, hint: "the hook stops on this file"))
            }
            findings += cpuFindings(host, plan: plan)
        }

        // Which integration is in use: it says where the archive must be.
        let integrationState = integrationState(inputs)

        // GRUB (read before the images: the image inspector wants Xen's entries).
        let (grubFindings, xenEntries, grubDefaults) = grub(inputs, config: config, earlyFileMode: integrationState.earlyFile != nil)
        let bootOptions = grubDefaults.map(BootOptions.init) ?? BootOptions()

        // Images: the initrds, or the early file, or the entries' first initrds.
        let images = inspectedImages(integrationState) ?? initrdImages(in: inputs.bootDirectory)
        if images.isEmpty {
            let what = integrationState.earlyFile != nil ? "no early file found" : integrationState.bootsFromEntries ? "no Boot Loader Spec entry's initrd found" : "no initrd.img-* found"
            findings.append(Finding(.warning, .images, what, path: inputs.bootDirectory))
        } else if let inspector {
            let cache = LoaderBinaryCache(directory: inputs.loaderCache)
            let loaders = inputs.kernels == nil && inputs.xens == nil
                ? InstalledLoaders.installed(in: inputs.bootDirectory, cache: cache)
                : InstalledLoaders.read(kernels: inputs.kernels ?? [], xens: inputs.xens ?? [], cache: cache)
            findings += inspector.findings(for: ImageCheckContext(images: images, host: host, expected: plan?.selection,
                                                                  catalog: plan?.catalog, xenEntries: xenEntries,
                                                                  loaders: loaders, options: bootOptions))
        } else {
            for image in images {
                findings.append(Finding(.warning, .images, "skipped: no image inspector given", path: image))
            }
        }

        findings += integration(inputs, integrationState, defaults: grubDefaults)
        findings += initramfs(inputs, config: config, otherIntegration: integrationState.dracut || integrationState.plugin || integrationState.earlyFile != nil)
        findings += grubFindings
        findings += efi(inputs, config: config, host: host, plan: plan)
        findings += bootOptionFindings(bootOptions)
        findings += lateLoading(inputs)
        return ReadinessReport(findings: findings)
    }

    static func problem(_ area: Finding.Area, _ error: any Error, hint: String? = nil) -> Finding {
        var message: String
        var path: String?
        var line: Int?
        if let input = error as? InputError {
            path = input.path
            line = input.line
            message = input.offset.map { "offset \($0) (\(Hex.offset($0))): " } ?? ""
            message += input.reason
        } else if let file = error as? FileError {
            path = file.path
            message = file.reason
        } else {
            message = "\(error)"
        }
        if let hint { message += "; " + hint }
        return Finding(.problem, area, message, path: path, line: line)
    }

    /// `/boot/initrd.img-*`, sorted; what update-initramfs maintains.
    public static func initrdImages(in boot: String) -> [String] {
        guard let names = try? FileIO.entries(of: boot) else { return [] }
        return names.filter { $0.hasPrefix("initrd.img-") && !$0.hasSuffix(".dpkg-bak") }.map { Path.join(boot, $0) }
    }
}

extension EarlyUcodeConfig {
    /// One line: the settings in effect.
    public var summary: String {
        var parts = ["EARLY_UCODE=\(scope?.rawValue ?? "(unset: follows MODULES)")"]
        if !cpus.isEmpty { parts.append("EARLY_UCODE_CPUS=\(cpus.map(\.description).joined(separator: " "))") }
        if !exclusions.isEmpty { parts.append("EARLY_UCODE_EXCLUDE=\(exclusions.map(\.description).joined(separator: " "))") }
        if !firmwareDirectories.isEmpty { parts.append("EARLY_UCODE_FIRMWARE_DIRS=\(firmwareDirectories.joined(separator: " "))") }
        parts.append("EARLY_UCODE_XEN=\(xen.rawValue)")
        return parts.joined(separator: ", ")
    }
}
