import EarlyUcode

/// `early-ucode early-file`: GRUB 2.12's early file (`Integration/EarlyFile.swift`).
struct EarlyFileCommand: CommandGroup {
    static var info: CommandInfo { CommandInfo(
        name: "early-file",
        abstract: "Keep the archive in /boot/\(EarlyFile.name), which GRUB 2.12 loads beside the initrd, instead of in the initrds.",
        discussion: """
            'enable' writes \(EarlyFile.defaultMarker) (the initramfs-tools hook and the dracut module then \
            leave the archive out of new images) and /boot/\(EarlyFile.name), the archive 'build --config' \
            writes (CPUs: EARLY_UCODE, else this host's). GRUB 2.12's 10_linux loads it before each Linux \
            entry's initrd, its 20_linux_xen as a module after dom0's initrd, where ucode=scan finds it. \
            Refused (exit 1) when the installed 20_linux_xen puts early files and the initrd on one line \
            (GRUB 2.04-2.06). 'update' rewrites the file when the microcode or the configuration changed \
            (the hooks run it); 'disable' removes both. Run update-grub after enable and disable.
            """,
        subcommands: [Enable.self, Update.self, Disable.self, Status.self]) }

    struct Location: ParameterGroup {

        static var parameters: Parameters<Self> {
            Parameters(
                .option("boot-dir", \.bootDir, value: "DIR", help: "Where GRUB finds kernels and early files (default: the folder enable recorded, else /boot)."),
                .option("grub-xen-script", \.grubXenScript, value: "FILE", help: "GRUB's Xen script, read to tell GRUB 2.12 from 2.04-2.06 (default /etc/grub.d/20_linux_xen)."),
                .option("root", \.root, value: "DIR", help: "Work on the system below this folder (its /boot, /etc, /var/lib, /proc, /lib/firmware; scripts/install --root)."),
                .flag("allow-insecure-sources", \.allowInsecureSources, help: "Read microcode and the configuration even if users other than root could have written them."))
        }
        var bootDir: String?

        var grubXenScript: String?

        var root: String?

        var allowInsecureSources = false

        /// The context, below --root when given.
        func rooted(_ context: CommandContext) -> CommandContext {
            guard let root else { return context }
            return CommandContext(standardOutput: context.standardOutput, standardError: context.standardError,
                                  environment: context.environment, root: root)
        }

        /// The early file; its folder is the marker's when --boot-dir does not say.
        func earlyFile(in context: CommandContext) throws -> EarlyFile {
            var file = EarlyFile(bootDirectory: bootDir ?? context.path("/boot"),
                                 markerPath: context.path(EarlyFile.defaultMarker),
                                 grubXenScript: grubXenScript ?? context.path("/etc/grub.d/20_linux_xen"),
                                 recordedBootDirectory: bootDir)
            if bootDir == nil, let recorded = try file.marker()?.bootDirectory {
                file.bootDirectory = recorded
                file.recordedBootDirectory = recorded
            }
            return file
        }

        var trust: SourceTrust? { SourceTrust.whenRoot(allowInsecure: allowInsecureSources) }

        /// What the early file should hold, per the configuration.
        func wanted(_ settings: ConfigOptions, in context: CommandContext) throws -> EarlyFile.Wanted {
            let config = try settings.load(in: context, trust: trust)
            let wanted = try EarlyFile.wanted(
                config: config, root: context.root,
                sourceDateEpoch: try BuildJob.sourceDateEpoch(from: context.environment), trust: trust) {
                    try HostCPUs.read(cpuinfo: context.path(HostCPUs.defaultCPUInfo), sysfs: context.path(HostCPUs.defaultSysfs)).targets
                }
            for note in wanted.notes where wanted.archive != nil { context.note(note) }
            return wanted
        }

        func defaults(in context: CommandContext) -> GrubDefaults? {
            try? GrubDefaults.load(file: context.path(GrubDefaults.defaultFile), directory: context.path(GrubDefaults.defaultDirectory))
        }
    }

    static func describe(_ change: EarlyFile.Change, _ file: EarlyFile, _ wanted: EarlyFile.Wanted, in context: CommandContext) {
        switch change {
        case .written(let size): context.out("wrote \(file.path): \(size) bytes")
        case .unchanged: context.out("unchanged: \(file.path)" + (wanted.archive == nil ? " (none: \(wanted.notes.first ?? "no archive"))" : ""))
        case .removed: context.out("removed \(file.path): \(wanted.notes.first ?? "no archive")")
        case .nothingToWrite: context.out("nothing written to \(file.path): \(wanted.notes.first ?? "no archive")")
        }
    }

    struct Enable: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "enable",
            abstract: "Turn early-file mode on and write the early file (refused on GRUB 2.04-2.06).") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.settings))
        }

        var location = Location()
        var settings = ConfigOptions()

        func run(in context: CommandContext) throws {
            let context = location.rooted(context)
            try context.reporting {
                let file = try location.earlyFile(in: context)
                let defaults = location.defaults(in: context)
                // Refused before anything is built or written.
                try file.checkGrub(defaults: defaults)
                let wanted = try location.wanted(settings, in: context)
                let outcome = try file.enable(wanted.archive, defaults: defaults)
                if case .written = outcome.marker {
                    context.out("early-file mode on (\(file.markerPath)): the initramfs-tools hook and the dracut module leave the archive out of new images; run update-initramfs -u -k all (or dracut --regenerate-all --force) to take it out of the existing ones")
                } else {
                    context.out("unchanged: early-file mode is on (\(file.markerPath))")
                }
                describe(outcome.file, file, wanted, in: context)
                context.out("GRUB (\(file.grubXenScript)) loads it before each Linux entry's initrd and after each Xen entry's: run update-grub")
            }
        }
    }

    struct Update: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "update",
            abstract: "Rewrite the early file if the microcode or the configuration changed (nothing when the mode is off).") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.settings))
        }

        var location = Location()
        var settings = ConfigOptions()

        func run(in context: CommandContext) throws {
            let context = location.rooted(context)
            try context.reporting {
                let file = try location.earlyFile(in: context)
                guard try file.marker() != nil else {
                    context.out("unchanged: early-file mode is off (no \(file.markerPath))")
                    return
                }
                let wanted = try location.wanted(settings, in: context)
                if let change = try file.update(wanted.archive) { describe(change, file, wanted, in: context) }
            }
        }
    }

    struct Disable: RunnableCommand {
        static var info: CommandInfo { CommandInfo(name: "disable", abstract: "Remove the early file and turn early-file mode off.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location))
        }

        var location = Location()

        func run(in context: CommandContext) throws {
            let context = location.rooted(context)
            try context.reporting {
                let file = try location.earlyFile(in: context)
                let outcome = try file.disable()
                if outcome.file == .removed { context.out("removed \(file.path): run update-grub") }
                if outcome.marker == .removed {
                    context.out("early-file mode off (removed \(file.markerPath)): run update-initramfs -u -k all (or dracut --regenerate-all --force) so the images carry the archive again")
                } else if outcome.file != .removed {
                    context.out("unchanged: early-file mode is off")
                }
            }
        }
    }

    struct Status: RunnableCommand {
        static var info: CommandInfo { CommandInfo(
            name: "status",
            abstract: "Show whether early-file mode is on, the early file's state, and whether this GRUB can carry it.") }

        static var parameters: Parameters<Self> {
            Parameters(
                .group(\.location),
                .group(\.settings))
        }

        var location = Location()
        var settings = ConfigOptions()

        func run(in context: CommandContext) throws {
            let context = location.rooted(context)
            try context.reporting {
                let file = try location.earlyFile(in: context)
                let on = try file.marker() != nil
                context.out(on ? "early-file mode: on (\(file.markerPath); boot folder \(file.bootDirectory))" : "early-file mode: off (no \(file.markerPath))")
                switch try file.fileOrigin() {
                case nil:
                    context.out("early file: none at \(file.path)")
                case .earlyUcode(_, let vendors)?:
                    let size = (try? FileIO.read(file.path, limit: 1 << 28).count) ?? 0
                    var state = ""
                    if let wanted = try? location.wanted(settings, in: context) {
                        state = wanted.archive.map { (try? FileIO.read(file.path, limit: $0.count + 1)) == $0 } == true
                            ? ", up to date" : ", out of date: run 'early-ucode early-file update'"
                    }
                    context.out("early file: \(file.path), \(size) bytes, early-ucode's archive (\(vendors.map { $0.rawValue + ".bin" }.joined(separator: " ")))\(state)")
                case .otherMicrocode?, .noMicrocode?:
                    context.out("early file: \(file.path) was not written by early-ucode")
                }
                let defaults = location.defaults(in: context)
                do throws(InputError) {
                    try file.checkGrub(defaults: defaults)
                    context.out("GRUB: \(file.grubXenScript) writes one module2 line per early file, after the initrd (GRUB 2.12): the early file works for Linux and Xen")
                } catch {
                    context.out("GRUB: \(error.description)")
                }
            }
        }
    }
}
