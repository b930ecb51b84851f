/// The loader binaries that will boot, read once: the kernels and Xens in
/// /boot (or named with `--kernel`/`--xen`), as models to predict with.
public struct InstalledLoaders: Sendable {
    public var kernels: [LoaderBinary]
    public var xens: [LoaderBinary]

    public init(kernels: [LoaderBinary], xens: [LoaderBinary]) {
        self.kernels = kernels
        self.xens = xens
    }

    /// Reads the named binaries (through the cache when given).
    public static func read(kernels: [String], xens: [String], cache: LoaderBinaryCache?) -> InstalledLoaders {
        InstalledLoaders(kernels: kernels.map { LoaderBinaries.read($0, as: .linux, cache: cache) },
                         xens: xens.map { LoaderBinaries.read($0, as: .xen, cache: cache) })
    }

    /// `boot`'s `vmlinuz-*` and Xens: `xen-V.gz` (what GRUB boots), and
    /// `xen-V.efi` only where there is no `.gz` of the same release (the
    /// two are one build).
    public static func installed(in boot: String, cache: LoaderBinaryCache?) -> InstalledLoaders {
        let found = LoaderBinaries.installed(in: boot)
        let gz = Set(found.xens.filter { $0.hasSuffix(".gz") }.map { String($0.dropLast(3)) })
        let xens = found.xens.filter { !($0.hasSuffix(".efi") && gz.contains(String($0.dropLast(4)))) }
        return read(kernels: found.kernels, xens: xens, cache: cache)
    }

    public var isEmpty: Bool { kernels.isEmpty && xens.isEmpty }

    /// Kernels first, then Xens, each with the boot options for its loader.
    public func models(options: BootOptions = BootOptions()) -> [LoaderModel] {
        kernels.map { LoaderModel($0, options: options.linux) } + xens.map { LoaderModel($0, options: options.xen) }
    }

    /// The kernel that boots with `initrd.img-V` is `vmlinuz-V` (Debian's
    /// naming); nil when there is none of that name.
    public func kernel(for image: String) -> LoaderBinary? {
        let base = Path.split(image).base
        guard base.hasPrefix("initrd.img-") else { return nil }
        let version = base.dropFirst("initrd.img-".count)
        return kernels.first { Path.split($0.path).base == "vmlinuz-" + version }
    }
}

extension LoaderModel {
    /// The model of the release `binary` is, with what it holds.
    public init(_ binary: LoaderBinary, options: LoaderOptions = LoaderOptions()) {
        self.init(loader: binary.loader, version: binary.version, binary: binary.path, digests: binary.digests,
                  unreadable: binary.problem?.description ?? (binary.version == nil ? "\(binary.path): no version found" : nil),
                  options: options)
    }

    /// What this loader does with `patches` of an archive being written:
    /// the ones it will refuse for their digest, with why. Only the Zen
    /// families it checks, only when it checks (a CPU running fixed
    /// firmware relaxes the check, but an archive is for every CPU).
    public func refusedPatches(_ patches: [AMDPatch]) -> [(patch: AMDPatch, reason: String)] {
        guard unreadable == nil else { return [] }
        return patches.compactMap { patch in
            let cpu = InspectedCPU(signature: AMDPatch.signature(encodedIn: patch.patchID), vendor: .amd)
            let verdict = digestVerdict(cpu: cpu, patchID: patch.patchID, patch: patch.bytes)
            switch verdict {
            case .notListed, .mismatch: return (patch, refusal(verdict, patchID: patch.patchID))
            case .notChecked, .listed, .unknown: return nil
            }
        }
    }
}
