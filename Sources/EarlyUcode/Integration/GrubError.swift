/// What is wrong with GRUB's files as early-ucode reads them.
public indirect enum GrubError: Sendable, Equatable, CustomStringConvertible {
    case closesNoBlock
    case blockWithoutBrace(String)
    case endsInsideBlock
    /// A defaults line about Xen's command line that needs a shell.
    case needsShell(Problem, text: String)
    /// Early-file mode, refused: GRUB 2.04-2.06's `20_linux_xen` joins the
    /// early files and the real initrd into one `module2` line.
    case earlyFilesOnInitrdLine
    /// Early-file mode, refused: this `20_linux_xen` (GRUB before 2.04)
    /// loads no early initrd files at all.
    case noEarlyInitrdSupport
    /// Early-file mode, refused: the GRUB script is not there.
    case noXenScript
    /// Early-file mode, refused: `GRUB_EARLY_INITRD_LINUX_STOCK` is set
    /// without the early file's name, so GRUB would not load it.
    case earlyFileNameNotListed(name: String, setAt: String)
    /// The early-file marker has a line early-ucode does not write.
    case badEarlyFileMarker(String)

    public var description: String {
        switch self {
        case .closesNoBlock: "'}' closes no block"
        case .blockWithoutBrace(let name): "\(name) without '{' on the same line"
        case .endsInsideBlock: "file ends inside a block ('{' without '}')"
        case .needsShell(let problem, let text): "cannot be read without running a shell (\(problem)): \(text.prefix(80))"
        case .earlyFilesOnInitrdLine:
            "puts early initrd files and the real initrd on one module2 line (GRUB 2.04-2.06): GRUB would load only the early file and Xen's dom0 would boot with it as its initrd; early-file mode needs GRUB 2.12, so the archive stays inside the initrds"
        case .noEarlyInitrdSupport:
            "loads no early initrd files (GRUB before 2.04): GRUB would never load the early file; the archive stays inside the initrds"
        case .noXenScript:
            "not found: early-file mode needs GRUB 2.12's scripts (grub-common) to know how GRUB loads the early file"
        case .earlyFileNameNotListed(let name, let setAt):
            "GRUB_EARLY_INITRD_LINUX_STOCK is set (\(setAt)) without \(name): GRUB would not load the early file"
        case .badEarlyFileMarker(let line): "not a line early-ucode writes: \(line.prefix(80))"
        }
    }
}
