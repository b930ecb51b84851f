extension ReadinessCheck {
    // MARK: - Boot options that change what the loaders take

    static func bootOptionFindings(_ options: BootOptions) -> [Finding] {
        options.found.map { found in
            switch (found.loader, found.option) {
            case (.linux, "dis_ucode_ldr"):
                return Finding(.problem, .grub,
                    "\(found.variable) has dis_ucode_ldr: Linux's early loader is off, so no CPU gets microcode at boot; remove it")
            case (.linux, _):
                return Finding(.warning, .grub,
                    "\(found.variable) has \(found.option): Linux loads AMD Zen patches without checking their SHA-256 against its list (the Entrysign protection) and taints the kernel; remove it unless a patch newer than the kernel must load")
            case (.xen, _):
                return Finding(.warning, .grub,
                    "\(found.variable) has \(found.option): Xen loads AMD Zen patches without checking their SHA-256 against its list (the Entrysign protection); remove it unless a patch newer than Xen must load")
            }
        }
    }
}
