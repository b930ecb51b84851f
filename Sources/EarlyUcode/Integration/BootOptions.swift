/// The boot options that change what the early loaders do, as update-grub
/// will pass them (read from GRUB's defaults, never from a running system).
public struct BootOptions: Sendable, Equatable {
    public var linux = LoaderOptions()
    public var xen = LoaderOptions()
    /// Each option found, with what it does, for `check`.
    public var found: [Found] = []

    public struct Found: Sendable, Equatable {
        public var loader: BootLoader
        public var option: String
        /// The GRUB variables it was found in.
        public var variable: String
    }

    public init() {}

    /// From Linux's normal command line (`GRUB_CMDLINE_LINUX` +
    /// `_DEFAULT`) and Xen's (`GRUB_CMDLINE_XEN` + `_DEFAULT`).
    public init(linuxWords: [String], xen: XenCommandLine) {
        for word in linuxWords {
            // Linux arch/x86/kernel/cpu/microcode/amd.c load_ucode_amd_bsp():
            // cmdline_find_option("microcode.amd_sha_check") compared with "off" (6.14; 6.12.18).
            if word.hasPrefix("microcode.amd_sha_check="), word.dropFirst("microcode.amd_sha_check=".count).hasPrefix("off") {
                linux.digestCheckOff = true
                found.append(Found(loader: .linux, option: word, variable: "GRUB_CMDLINE_LINUX*"))
            }
            // core.c: cmdline_find_option_bool(..., "dis_ucode_ldr") turns the early loader off.
            if word == "dis_ucode_ldr" {
                linux.loaderDisabled = true
                linux.disabledBy = word
                found.append(Found(loader: .linux, option: word, variable: "GRUB_CMDLINE_LINUX*"))
            }
        }
        // Xen's ucode= list (4.17.6+): digest-check=<bool>, no-digest-check.
        if xen.microcode.digestCheck == false {
            self.xen.digestCheckOff = true
            let word = xen.microcode.options.last { $0.contains("digest-check") } ?? "ucode=no-digest-check"
            found.append(Found(loader: .xen, option: word, variable: "GRUB_CMDLINE_XEN*"))
        }
    }

    public init(_ defaults: GrubDefaults) {
        self.init(linuxWords: defaults.normalLinuxWords, xen: defaults.normalCommandLine)
    }
}
