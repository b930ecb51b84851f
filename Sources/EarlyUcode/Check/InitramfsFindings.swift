#if canImport(Glibc)
import Glibc
#endif

extension ReadinessCheck {
    // MARK: - initramfs

    /// `otherIntegration`: the dracut module, the kernel-install plugin or
    /// the early file carries the archive, so a missing hook is no problem.
    static func initramfs(_ inputs: ReadinessInputs, config: EarlyUcodeConfig, otherIntegration: Bool = false) -> [Finding] {
        var findings: [Finding] = []
        // scripts/install's hook and the package's, each with its binary.
        let installed = inputs.initramfsHooks.filter { FileIO.kind($0.hook) != .missing }
        for (hook, binary) in installed {
            switch FileIO.resolvedKind(hook) {
            case .regular where access(hook, X_OK) == 0:
                findings.append(Finding(.ok, .initramfs, "early-ucode's hook is installed: update-initramfs adds its archive", path: hook))
                if FileIO.resolvedKind(binary) != .regular {
                    findings.append(Finding(.problem, .initramfs, "the hook runs this binary, which is missing: images get no early-ucode archive (scripts/install, or reinstall the package)", path: binary))
                }
            case .regular:
                findings.append(Finding(.problem, .initramfs, "early-ucode's hook is not executable: initramfs-tools skips it", path: hook))
            default:
                findings.append(Finding(.problem, .initramfs, "early-ucode's hook is not a regular file: initramfs-tools skips it", path: hook))
            }
        }
        if installed.isEmpty && !otherIntegration {
            findings.append(Finding(.problem, .initramfs, "early-ucode's hook is not installed: update-initramfs adds no early-ucode archive (scripts/install)", path: Path.join(inputs.hookDirectory, "early-ucode")))
        }
        for debian in DebianMicrocodeHook.all {
            let hookPath = Path.join(inputs.packageHookDirectory, debian.hookName)
            guard FileIO.resolvedKind(hookPath) == .regular else { continue }
            let defaults = Path.join(inputs.defaultsDirectory, debian.defaultsName)
            var value: String?
            if FileIO.resolvedKind(defaults) == .regular {
                do {
                    let bytes = try FileIO.read(defaults, limit: 1 << 20)
                    value = try ShellAssignments.parse(bytes, path: defaults, strict: false).value(of: debian.key)
                } catch {
                    findings.append(problem(.initramfs, error))
                    continue
                }
            }
            if DebianMicrocodeHook.disables(value) {
                findings.append(Finding(.ok, .initramfs, "\(debian.package)'s hook is installed and off (\(debian.key)=\(value ?? ""))", path: defaults))
            } else {
                findings.append(Finding(.problem, .initramfs,
                    "\(debian.package)'s hook is on (\(debian.key)=\(value ?? "unset")): it runs before early-ucode's and its \(debian.vendor.rawValue).bin comes first in every image, so Linux and Xen load it and never see early-ucode's (shadowed); set \(debian.key)=no in \(defaults) (scripts/install does)",
                    path: hookPath))
            }
        }
        return findings
    }
}
