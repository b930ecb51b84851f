/// Every size limit the modelled loaders put on microcode, in one table,
/// each row with its source. A new loader version is a new row here.
public enum LoaderLimits {
    /// One loader's cap on AMD patch sizes for one family.
    public struct AMDPatchSize: Sendable, Equatable {
        public var loader: BootLoader
        public var family: Int
        /// Patches larger than this are refused.
        public var bytes: Int
        public var source: String
        /// Only releases with this rule have the row.
        public var requires: LoaderRule? = nil
    }

    /// Xen 4.17 (xen/arch/x86/cpu/microcode/amd.c, `verify_patch_size()`):
    /// a larger patch is skipped with "Bad microcode length". Family 0x1a's
    /// 15296 bytes arrive only in 4.18.5/4.19.2/4.20; 4.17 uses the default.
    /// Linux 6.1 (arch/x86/kernel/cpu/microcode/amd.c, `verify_patch_size()`):
    /// only families 0x10-0x14 are capped; from 0x15 on the patch is taken
    /// whatever its size.
    public static let amdPatchSizes: [AMDPatchSize] = [
        AMDPatchSize(loader: .xen, family: 0x14, bytes: 1824, source: "Xen 4.17 amd.c F14H_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .xen, family: 0x15, bytes: 4096, source: "Xen 4.17 amd.c F15H_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .xen, family: 0x16, bytes: 3458, source: "Xen 4.17 amd.c F16H_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .xen, family: 0x17, bytes: 3200, source: "Xen 4.17 amd.c F17H_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .xen, family: 0x19, bytes: 5568, source: "Xen 4.17 amd.c F19H_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .xen, family: 0x1a, bytes: 15296, source: "Xen 4.20 amd.c F1AH_MPB_MAX_SIZE (4.18.5, 4.19.2)",
                     requires: .xenFamily1AhSize),
        AMDPatchSize(loader: .linux, family: 0x10, bytes: 2048, source: "Linux 6.1 amd.c F1XH_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .linux, family: 0x11, bytes: 2048, source: "Linux 6.1 amd.c F1XH_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .linux, family: 0x12, bytes: 2048, source: "Linux 6.1 amd.c F1XH_MPB_MAX_SIZE"),
        AMDPatchSize(loader: .linux, family: 0x14, bytes: 1824, source: "Linux 6.1 amd.c F14H_MPB_MAX_SIZE"),
    ]

    /// Xen 4.17's default for families without a row (`default: 2048`).
    public static let xenDefaultAMDPatchSize = 2048

    /// Linux 6.1 refuses family 0x13 patches outright (no size is right:
    /// `verify_patch_size()` returns 0 for it), and caps nothing from 0x15.
    public static let linuxUncappedFromFamily = 0x15

    /// The largest patch `loader` (following `rules`) takes for `family`;
    /// nil when it takes any size.
    public static func amdPatchSizeLimit(_ loader: BootLoader, family: Int, rules: Set<LoaderRule> = []) -> Int? {
        if let row = amdPatchSizes.first(where: {
            $0.loader == loader && $0.family == family && ($0.requires.map(rules.contains) ?? true)
        }) { return row.bytes }
        switch loader {
        case .xen: return xenDefaultAMDPatchSize
        case .linux: return family >= linuxUncappedFromFamily ? nil : 0
        }
    }
}
