// GRUB's generated grub.cfg: menu entries, Xen hypervisor lines and their
// modules, and the ucode= option on Xen's command line.
import EarlyUcode
import FuzzSupport

Fuzzer.run { bytes in
    do throws(InputError) {
        let grub = try GrubConfig(bytes, path: "fuzz")
        for entry in grub.entries {
            Fuzzer.require(entry.line >= 1, "entry on line \(entry.line)")
            _ = entry.displayName
            _ = entry.isRecovery
            if let commandLine = entry.xenCommandLine { _ = commandLine.microcode }
            for module in entry.modules {
                _ = module.extraFiles
                _ = module.looksLikeInitrd
                _ = module.hasStockEarlyName
            }
        }
        _ = grub.xenEntries
    } catch {
        if let line = error.line { Fuzzer.require(line >= 1, "line \(line)") }
        Fuzzer.requireOneLine(error.description)
    }
    _ = XenCommandLine(parsing: String(decoding: bytes.prefix(4096), as: UTF8.self)).microcode
}
