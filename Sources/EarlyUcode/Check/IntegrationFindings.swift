#if canImport(Glibc)
import Glibc
#endif

extension ReadinessCheck {
    // MARK: - integration

    /// Which way early-ucode reaches the boot path here, and where the
    /// archive must be for each installed kernel.
    struct IntegrationState {
        /// early-ucode's initramfs-tools hooks that run (executable).
        var hooks: [String]
        var dracut: Bool
        var dracutConf: Bool
        /// The kernel-install plugin that counts (/etc's over /usr/lib's),
        /// a regular file or not; nil when neither is there.
        var pluginFile: String?
        /// It is a regular file kernel-install can run.
        var plugin: Bool
        var layout: KernelInstallLayout?
        /// Early-file mode is on (its marker exists).
        var earlyFile: EarlyFile?
        var entries: [BootLoaderEntry]

        /// What the boot loader loads the archive from: the early file, the
        /// entries' first initrds, or (nil) the initrds.
        var bootsFromEntries: Bool { plugin && layout == .bls }
    }

    static func integrationState(_ inputs: ReadinessInputs) -> IntegrationState {
        func executable(_ path: String) -> Bool { FileIO.resolvedKind(path) == .regular && access(path, X_OK) == 0 }
        let marker = FileIO.kind(inputs.earlyFileMarker) != .missing
        var earlyFile: EarlyFile?
        if marker {
            var file = EarlyFile(bootDirectory: inputs.bootDirectory, markerPath: inputs.earlyFileMarker, grubXenScript: inputs.grubXenScript)
            // On a captured tree (--root) the recorded folder is the host's; the inputs' own /boot is the one to read.
            if inputs.root == "/" || inputs.root.isEmpty, let recorded = try? file.marker()?.bootDirectory { file.bootDirectory = recorded }
            earlyFile = file
        }
        let bootRoots = [inputs.bootDirectory, Path.join(inputs.bootDirectory, "efi"), Path.join(inputs.root, "efi")]
        let pluginFile = inputs.kernelInstallPlugin.effective
        return IntegrationState(
            hooks: inputs.initramfsHooks.map(\.hook).filter(executable),
            dracut: FileIO.resolvedKind(inputs.dracutModule) == .regular,
            dracutConf: inputs.dracutConf.isInEffect,
            pluginFile: pluginFile,
            plugin: pluginFile.map(executable) ?? false,
            layout: KernelInstallLayout.configured(in: inputs.kernelInstallConfs),
            earlyFile: earlyFile,
            entries: bootRoots.flatMap(BootLoaderEntry.entries(below:)))
    }

    /// Kernel versions installed in /boot (`vmlinuz-V`), sorted.
    static func kernelVersions(in boot: String) -> [String] {
        guard let names = try? FileIO.entries(of: boot) else { return [] }
        return names.filter { $0.hasPrefix("vmlinuz-") && !$0.hasSuffix(".dpkg-bak") }.map { String($0.dropFirst("vmlinuz-".count)) }.sorted()
    }

    /// The files whose early microcode `images` judges: the early file in
    /// early-file mode, the entries' first initrds with kernel-install's BLS
    /// layout, else nil (the initrds).
    static func inspectedImages(_ state: IntegrationState) -> [String]? {
        if let file = state.earlyFile { return FileIO.kind(file.path) == .regular ? [file.path] : [] }
        if state.bootsFromEntries { return state.entries.compactMap(\.initrdFiles.first).filter { FileIO.kind($0) == .regular } }
        return nil
    }

    static func integration(_ inputs: ReadinessInputs, _ state: IntegrationState, defaults: GrubDefaults?) -> [Finding] {
        var findings: [Finding] = []
        var active: [String] = []
        if let file = state.earlyFile { active.append("early file \(file.path) (GRUB 2.12, early-file mode)") }
        if state.plugin { active.append("kernel-install plugin (layout=\(state.layout?.name ?? "unset"))") }
        if state.dracut { active.append("dracut module") }
        if !state.hooks.isEmpty { active.append("initramfs-tools hook") }
        if active.isEmpty {
            findings.append(Finding(.problem, .integration, "no early-ucode integration is installed (initramfs-tools hook, dracut module, kernel-install plugin or early file): no boot path gets its archive (scripts/install)"))
            return findings
        }
        findings.append(Finding(.ok, .integration, "active: " + active.joined(separator: ", ")))
        if state.dracut && !state.dracutConf {
            findings.append(Finding(.warning, .integration, "the dracut module is installed without its dracut.conf.d file (or it is masked): dracut does not add it to host-only images and its own early microcode may shadow early-ucode's", path: inputs.dracutConf.effective ?? inputs.dracutConf.local))
        }
        if let plugin = state.pluginFile, FileIO.resolvedKind(plugin) == .regular, !state.plugin {
            findings.append(Finding(.problem, .integration, "early-ucode's kernel-install plugin is not executable: kernel-install skips it", path: plugin))
        }
        if state.hooks.count > 1 {
            findings.append(Finding(.warning, .integration, "two early-ucode initramfs-tools hooks, scripts/install's and the package's: mkinitramfs runs both, so every image gets the archive twice; remove scripts/install's (scripts/install --uninstall)", path: state.hooks[0]))
        }

        if let file = state.earlyFile {
            findings += earlyFileFindings(file, defaults: defaults)
        }
        var versions = kernelVersions(in: inputs.bootDirectory)
        if state.bootsFromEntries {
            // BLS entries carry their own kernel (ENTRY-TOKEN/V/linux), often on another partition.
            versions = Array(Set(versions + state.entries.compactMap(\.version))).sorted()
        }
        for version in versions {
            findings += kernelFindings(version, inputs: inputs, state: state)
        }
        return findings
    }

    static func earlyFileFindings(_ file: EarlyFile, defaults: GrubDefaults?) -> [Finding] {
        var findings: [Finding] = []
        do throws(InputError) {
            try file.checkGrub(defaults: defaults)
        } catch {
            findings.append(Finding(.problem, .integration, "early-file mode is on, but \(error.reason) (\(error.path)): turn it off with 'early-ucode early-file disable'", path: file.markerPath))
        }
        do {
            switch try file.fileOrigin() {
            case nil:
                findings.append(Finding(.problem, .integration, "missing although early-file mode is on: no boot entry loads microcode early (early-ucode early-file update)", path: file.path))
            case .earlyUcode(let size, let vendors)?:
                findings.append(Finding(.ok, .integration, "early-ucode's archive (\(size) bytes: \(vendors.map { $0.rawValue + ".bin" }.joined(separator: " "))): GRUB loads it with every initrd", path: file.path))
            case .otherMicrocode?, .noMicrocode?:
                findings.append(Finding(.problem, .integration, "not written by early-ucode, though early-file mode is on: GRUB loads it instead of early-ucode's archive", path: file.path))
            }
        } catch {
            findings.append(problem(.integration, error))
        }
        return findings
    }

    /// One installed kernel: where its archive must be, and whether it is.
    static func kernelFindings(_ version: String, inputs: ReadinessInputs, state: IntegrationState) -> [Finding] {
        var findings: [Finding] = []
        let image = Path.join(inputs.bootDirectory, "initrd.img-" + version)
        let origin: ArchiveOrigin?
        var readError: (any Error)?
        do { origin = FileIO.kind(image) == .regular ? try ArchiveOrigin.front(of: image) : nil } catch {
            origin = nil
            readError = error
        }
        let imageHasMicrocode = origin.map { $0 != .noMicrocode } ?? false

        if let file = state.earlyFile {
            if imageHasMicrocode {
                findings.append(Finding(.problem, .integration,
                    "\(version): early microcode in the image and in \(file.path) (doubled): Linux takes the early file's, Xen scans dom0's initrd first, so they can load different revisions; run update-initramfs -u -k \(version) (the hook leaves it out in early-file mode)",
                    path: image))
            } else if FileIO.kind(image) == .regular || readError != nil {
                findings.append(Finding(.ok, .integration, "\(version): GRUB loads \(file.path) with this initrd, which holds no microcode of its own (early-file mode)", path: image))
            }
            if let readError { findings.append(problem(.integration, readError)) }
            return findings
        }

        if state.bootsFromEntries {
            let mine = state.entries.filter { $0.version == version || $0.path.hasSuffix("-\(version).conf") }
            if mine.isEmpty {
                findings.append(Finding(.warning, .integration, "\(version): no Boot Loader Spec entry (kernel-install add \(version) ...)", path: inputs.bootDirectory))
            }
            for entry in mine {
                guard let first = entry.initrdFiles.first else {
                    findings.append(Finding(.problem, .integration, "\(version): the entry has no initrd: no early microcode (kernel-install add again)", path: entry.path))
                    continue
                }
                do {
                    if case .earlyUcode(let size, _) = try ArchiveOrigin.front(of: first) {
                        findings.append(Finding(.ok, .integration, "\(version): the entry's first initrd \(entry.initrds[0]) is early-ucode's archive (\(size) bytes)", path: entry.path))
                    } else {
                        findings.append(Finding(.problem, .integration, "\(version): the entry's first initrd \(entry.initrds[0]) is not early-ucode's archive: kernel-install add \(version) again with the plugin installed", path: entry.path))
                    }
                    for later in entry.initrdFiles.dropFirst() where FileIO.kind(later) == .regular {
                        if let other = try? ArchiveOrigin.front(of: later), other != .noMicrocode {
                            findings.append(Finding(.warning, .integration, "\(version): a later initrd of the entry (\(later)) carries early microcode too (doubled; the first one wins)", path: entry.path))
                        }
                    }
                } catch {
                    findings.append(problem(.integration, error))
                }
            }
            return findings
        }
        if state.plugin && state.layout == .uki {
            findings.append(Finding(.ok, .integration, "\(version): the archive is inside the unified kernel image (kernel-install layout=uki): the EFI findings judge the images in the ESP's EFI/Linux"))
            return findings
        }

        if let readError {
            findings.append(problem(.integration, readError))
            return findings
        }
        switch origin {
        case nil:
            findings.append(Finding(.warning, .integration, "\(version): no initrd (update-initramfs -c -k \(version), or dracut --kver \(version))", path: image))
        case .earlyUcode(let size, let vendors)?:
            findings.append(Finding(.ok, .integration, "\(version): the image starts with early-ucode's archive (\(size) bytes: \(vendors.map { $0.rawValue + ".bin" }.joined(separator: " ")))", path: image))
        case .otherMicrocode?:
            findings.append(Finding(.problem, .integration, "\(version): the image starts with early microcode early-ucode did not write (a Debian hook's or dracut's own): it shadows early-ucode's; regenerate it with early-ucode's hook or module", path: image))
        case .noMicrocode?:
            findings.append(Finding(.problem, .integration, "\(version): the image has no early microcode: regenerate it (update-initramfs -u -k \(version), or dracut --force --kver \(version))", path: image))
        }
        return findings
    }
}
