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

    public init(images: [String], host: HostCPUs?, expected: Selection?, catalog: MicrocodeCatalog?, xenEntries: [GrubMenuEntry]) {
        self.images = images
        self.host = host
        self.expected = expected
        self.catalog = catalog
        self.xenEntries = xenEntries
    }
}
