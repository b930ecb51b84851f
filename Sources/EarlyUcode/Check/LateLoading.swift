/// Signs that microcode was loaded late on the running system.
///
/// Linux: writing 1 to `/sys/devices/system/cpu/microcode/reload` ends, when
/// an update was applied, in `add_taint(TAINT_CPU_OUT_OF_SPEC)` (since 6.7
/// only when the update did not declare itself safe through its minimum
/// revision, or the check was overridden). That is taint bit 2, letter `S`,
/// in `/proc/sys/kernel/tainted`. The same bit also marks other
/// out-of-specification CPU states (e.g. `clearcpuid=`), so the finding says
/// "probably".
///
/// Xen: `xen-ucode` goes through `microcode_update_helper()`, which logs
/// `N cores are to update their microcode` when it starts an update and
/// `couldn't find any newer ... revision in the provided blob` or
/// `couldn't find any matching ucode ...` when it refuses one; boot-time
/// (early) loading prints neither.
public struct LateLoading: Sendable, Equatable {
    public static let defaultTaintPath = "/proc/sys/kernel/tainted"
    /// `TAINT_CPU_OUT_OF_SPEC` (include/linux/panic.h).
    public static let cpuOutOfSpecBit = 2

    /// Nil when the taint file could not be read.
    public var taint: UInt64?
    public var taintOutOfSpec: Bool { taint.map { $0 & (1 << UInt64(Self.cpuOutOfSpecBit)) != 0 } ?? false }
    /// Lines of Xen's log that show a late load, when a log was read.
    public var xenLateLoadLines: [String]?

    public init(taint: UInt64?, xenLateLoadLines: [String]?) {
        self.taint = taint
        self.xenLateLoadLines = xenLateLoadLines
    }

    /// `/proc/sys/kernel/tainted`: one decimal number.
    public static func parseTaint(_ bytes: [UInt8], path: String) throws(InputError) -> UInt64 {
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        guard let value = UInt64(text) else {
            throw InputError(path: path, offset: 0, .host(.badTaint(text)))
        }
        return value
    }

    static let xenMarkers = [
        "cores are to update their microcode",
        "couldn't find any newer",
        "couldn't find any matching ucode",
    ]

    /// The lines of an `xl dmesg` capture that come from a late load.
    public static func xenLateLoadLines(in log: [UInt8]) -> [String] {
        String(decoding: log, as: UTF8.self)
            .split(separator: "\n")
            .filter { line in
                let lower = line.lowercased()
                return xenMarkers.contains { lower.contains($0) }
            }
            .map { String($0).trimmingWhitespace }
    }
}
