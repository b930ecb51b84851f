/// The image part of `early-ucode check`: for each installed initrd, what
/// Linux and Xen would load for this host, archives shadowed by an earlier
/// one, a missing or stale early part.
///
/// `check` gathers everything else (CPUs, what a fresh build would hold,
/// GRUB's Xen entries) and hands it to an implementation of this protocol.
/// `InitrdFindings` is the real one; without an inspector (library users,
/// tests) `check` reports every image as skipped, never as inspected.
public protocol ImageInspecting: Sendable {
    /// Findings for `context.images`, in that order, area `.images`.
    func findings(for context: ImageCheckContext) -> [Finding]
}

/// What an image inspector needs to judge images against this host.
public struct ImageCheckContext: Sendable {
    /// `/boot/initrd.img-*`, sorted.
    public var images: [String]
    /// This host's CPUs; nil when they could not be read (a finding says why).
    public var host: HostCPUs?
    /// What a build from the configured sources would write for this host:
    /// the yardstick for "stale". Nil when the sources could not be read.
    public var expected: Selection?
    /// The catalog that selection came from (every revision available).
    public var catalog: MicrocodeCatalog?
    /// Xen entries of grub.cfg, to tell which module Xen scans.
    public var xenEntries: [GrubMenuEntry]
    /// The kernels and Xens in /boot, read: each image is judged for the
    /// release that boots it (none: the generic models).
    public var loaders: InstalledLoaders
    /// GRUB's boot options that change what the loaders do.
    public var options: BootOptions

    public init(images: [String], host: HostCPUs?, expected: Selection?, catalog: MicrocodeCatalog?, xenEntries: [GrubMenuEntry],
                loaders: InstalledLoaders = InstalledLoaders(kernels: [], xens: []), options: BootOptions = BootOptions()) {
        self.images = images
        self.host = host
        self.expected = expected
        self.catalog = catalog
        self.xenEntries = xenEntries
        self.loaders = loaders
        self.options = options
    }

    /// The models `image` is judged with: its own kernel (`vmlinuz-V` for
    /// `initrd.img-V`, else every kernel), and, when grub.cfg boots Xen, the
    /// Xens its entries name (else every Xen). Empty: the generic models.
    public func models(for image: String) -> (linux: [LoaderModel], xen: [LoaderModel]) {
        let kernels = loaders.kernel(for: image).map { [$0] } ?? loaders.kernels
        var xens: [LoaderBinary] = []
        if !xenEntries.isEmpty {
            let named = Set(xenEntries.compactMap { $0.hypervisor?.arguments.first.map { Path.split($0).base } })
            xens = loaders.xens.filter { named.contains(Path.split($0.path).base) }
            if xens.isEmpty { xens = loaders.xens }
        }
        return (kernels.map { LoaderModel($0, options: options.linux) }, xens.map { LoaderModel($0, options: options.xen) })
    }
}
