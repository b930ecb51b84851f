/// Debian's own microcode hooks and the key that turns each off.
public struct DebianMicrocodeHook: Sendable, Equatable {
    public var package: String
    /// In `/usr/share/initramfs-tools/hooks`: these run before any hook in
    /// `/etc/initramfs-tools/hooks` (mkinitramfs runs the two folders one
    /// after the other), so their archive is prepended before ours.
    public var hookName: String
    public var defaultsName: String
    public var key: String
    public var vendor: Vendor

    public static let all = [
        DebianMicrocodeHook(package: "intel-microcode", hookName: "intel_microcode", defaultsName: "intel-microcode",
                            key: "IUCODE_TOOL_INITRAMFS", vendor: .intel),
        DebianMicrocodeHook(package: "amd64-microcode", hookName: "amd64_microcode", defaultsName: "amd64-microcode",
                            key: "AMD64UCODE_INITRAMFS", vendor: .amd),
    ]

    /// Both hooks treat `no` and `0` as off; unset means on (their defaults
    /// are `auto`/`early`).
    public static func disables(_ value: String?) -> Bool {
        value == "no" || value == "0"
    }
}
