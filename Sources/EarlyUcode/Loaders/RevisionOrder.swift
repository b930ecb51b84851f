/// How revisions are ordered, written down once for each party that
/// orders them. The two orders differ only for Intel's pre-production
/// updates, whose revisions have the top bit set.
public enum RevisionOrder: Sendable, Equatable {
    /// As 32-bit unsigned numbers.
    case unsigned
    /// As 32-bit two's-complement numbers: pre-production revisions are
    /// negative and older than every production one.
    case signed

    /// Linux's early loaders compare unsigned. Intel, arch/x86/kernel/cpu/
    /// microcode/intel.c: `scan_microcode()` keeps an update only when
    /// `cur_rev >= mc_header->rev` is false, both `u32` (6.7+; 6.1's
    /// `has_newer_microcode()` compares `mc_hdr->rev <= new_rev`, an
    /// `unsigned int` against an `int`, which C converts to unsigned), and
    /// `apply_microcode_early()` skips `rev >= mc->hdr.rev` (`u32`). AMD,
    /// amd.c: `patch_id` and the running revision are `u32` throughout.
    public static let linux = RevisionOrder.unsigned

    /// Xen's loaders compare unsigned. Intel, xen/arch/x86/cpu/microcode/
    /// intel.c: `microcode_update_match()` returns `mc->rev > cpu_sig->rev`
    /// and `cpu_request_microcode()` keeps `mc->rev > saved->rev`, both
    /// `uint32_t`/`unsigned int`. AMD, amd.c: `compare_revisions(uint32_t
    /// old_rev, uint32_t new_rev)`.
    public static let xen = RevisionOrder.unsigned

    /// What early-ucode selects by, for Intel: Intel's own convention and
    /// iucode_tool's (its `--write-earlyfw` selection), so a pre-production
    /// update never wins over a production one. AMD patch ids have no
    /// signed convention (`selectionAMD`).
    public static let selectionIntel = RevisionOrder.signed
    public static let selectionAMD = RevisionOrder.unsigned

    public static func selection(_ vendor: Vendor) -> RevisionOrder {
        vendor == .intel ? selectionIntel : selectionAMD
    }

    /// `a` against `b`.
    public func compare(_ a: UInt32, _ b: UInt32) -> RevisionComparison {
        if a == b { return .equal }
        let newer = switch self {
        case .unsigned: a > b
        case .signed: Int32(bitPattern: a) > Int32(bitPattern: b)
        }
        return newer ? .newer : .older
    }

    public func isNewer(_ a: UInt32, than b: UInt32) -> Bool { compare(a, b) == .newer }
}
