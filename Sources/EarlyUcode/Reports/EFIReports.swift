// The report of `efi status` (text and --json). Field names and meanings are documented in
// docs/json.md; add fields, never rename or remove them.

/// One Xen image that reads a configuration.
public struct XenEFIImageReport: Encodable, Sendable, Equatable {
    public var path: String
    /// Absent when it could not be read.
    public var version: String?
    /// Its `ucode=` may name a cpio (Xen 4.20.3, 4.21.1, 4.22 and later).
    public var takesCPIO: Bool
    /// It carries a `.ucode` section, which it loads instead of `ucode=`.
    public var ucodeSection: Bool
    /// Why the version is not known.
    public var problem: String?

    init(_ image: XenEFI.Image) {
        path = image.path
        version = image.version?.description
        takesCPIO = image.takesCPIO == true
        ucodeSection = image.hasUcodeSection
        problem = image.binary.problem?.reason
    }
}

/// The file a `ucode=` names.
public struct XenEFIUcodeFileReport: Encodable, Sendable, Equatable {
    public var path: String
    public var present: Bool
    /// cpio, intel-blob, amd-blob, empty, unreadable; absent when not present.
    public var kind: String?
    public var size: Int?
    /// Why it is unreadable.
    public var problem: String?
}

/// One `[section]` of a configuration.
public struct XenEFISectionReport: Encodable, Sendable, Equatable {
    public var name: String
    public var line: Int
    /// It has a `kernel=` (dom0's kernel): xen.efi can boot it.
    public var bootsXen: Bool
    /// `[global] default=` names it.
    public var isDefault: Bool
    /// The file the section's `ucode=` (or `[global]`'s) names; absent without one.
    public var ucode: String?
    public var ucodeLine: Int?
    /// The `ucode=` is `[global]`'s, the section has none.
    public var fromGlobal: Bool
    /// The `ucode=` line is early-ucode's (`efi disable` takes it out).
    public var earlyUcode: Bool
    public var file: XenEFIUcodeFileReport?
}

/// One xen.efi configuration on the ESP.
public struct XenEFIConfigReport: Encodable, Sendable, Equatable {
    public var path: String
    public var xens: [XenEFIImageReport]
    /// What `efi enable` writes for these Xens: cpio or raw.
    public var format: String
    /// The file it writes beside the configuration.
    public var file: String
    /// Absent when the configuration reads (then `sections` is empty).
    public var problem: FileProblemReport?
    public var sections: [XenEFISectionReport]
}

public struct EFIStatusReport: Encodable, Sendable {
    public var esp: String
    /// mount-point or folder; absent when the ESP is not there.
    public var espKind: String?
    public var configs: [XenEFIConfigReport]
    public var notes: [String]

    public init(esp: String, kind: XenEFI.ESPKind?, targets: [XenEFI.Target], notes: [String]) {
        self.esp = esp
        espKind = kind?.rawValue
        self.notes = notes
        configs = targets.map { target in
            var report = XenEFIConfigReport(path: target.config, xens: target.images.map(XenEFIImageReport.init),
                                            format: target.format.rawValue, file: target.format.fileName, problem: nil, sections: [])
            let config: XenEFIConfig
            do throws(InputError) {
                config = try XenEFIConfig.load(target.config)
            } catch {
                report.problem = FileProblemReport(error)
                return report
            }
            let boot = Set(config.bootSections.map(\.name))
            report.sections = config.sections.map { section in
                var entry = XenEFISectionReport(name: section.name, line: config.lines[section.header].number, bootsXen: boot.contains(section.name),
                                                isDefault: config.defaultSection == section.name, fromGlobal: false, earlyUcode: false)
                if let ucode = config.ucode(for: section), boot.contains(section.name) || !ucode.fromGlobal {
                    entry.ucode = ucode.file
                    entry.ucodeLine = config.lines[ucode.line].number
                    entry.fromGlobal = ucode.fromGlobal
                    entry.earlyUcode = ucode.isEarlyUcodes
                    entry.file = Self.describe(ucode.file, in: target.directory, esp: esp)
                }
                return entry
            }
            return report
        }
    }

    static func describe(_ value: String, in folder: String, esp: String) -> XenEFIUcodeFileReport {
        guard let path = XenEFI.resolve(ucode: value, in: folder, esp: esp) else {
            return XenEFIUcodeFileReport(path: Path.join(folder, value), present: false)
        }
        do throws(InputError) {
            let file = try ImageFile(path: path)
            let kind = switch try BootImage.read(file).kind {
            case .initrd: "cpio"
            case .empty: "empty"
            case .bareBlob(let vendor): vendor.shortName + "-blob"
            }
            return XenEFIUcodeFileReport(path: path, present: true, kind: kind, size: file.size)
        } catch {
            return XenEFIUcodeFileReport(path: path, present: true, kind: "unreadable", problem: error.description)
        }
    }

    /// What `efi status` prints without --json.
    public var lines: [String] {
        var out = ["ESP \(esp): " + (espKind.map { $0 == "mount-point" ? "a mount point" : "a folder (not a mount point)" } ?? "not there")]
        if configs.isEmpty { out.append("no xen.efi configuration found") }
        for config in configs {
            let xens = config.xens.isEmpty ? "no Xen image beside it (version unknown)"
                : config.xens.map { "Xen \($0.version ?? "(version unknown)") (\($0.path))" }.joined(separator: ", ")
            let format = config.format == "cpio" ? "a cpio" : "a raw vendor file"
            out.append("\(config.path): read by \(xens); ucode= takes \(format): efi enable writes \(config.file)")
            for xen in config.xens where xen.ucodeSection {
                out.append("  \(xen.path) carries a .ucode section, which it loads instead of ucode=")
            }
            if let problem = config.problem {
                out.append("  unreadable: line \(problem.line.map(String.init) ?? "?"): \(problem.reason)")
                continue
            }
            for section in config.sections where section.bootsXen {
                var line = "  [\(section.name)]\(section.isDefault ? " (default)" : ""): "
                guard let ucode = section.ucode, let file = section.file else {
                    out.append(line + "no ucode=: Xen loads no microcode early")
                    continue
                }
                line += "ucode=\(ucode)" + (section.fromGlobal ? " from [global]" : "") + (section.earlyUcode ? " (early-ucode's)" : "") + ": "
                if !file.present {
                    line += "missing: xen.efi does not boot"
                } else if let problem = file.problem {
                    line += problem
                } else {
                    let kind = switch file.kind {
                    case "cpio": "cpio archive"
                    case "intel-blob": "Intel microcode file"
                    case "amd-blob": "AMD microcode file"
                    default: file.kind ?? "?"
                    }
                    line += "\(kind), \(file.size ?? 0) bytes"
                }
                out.append(line)
            }
        }
        return out
    }
}
