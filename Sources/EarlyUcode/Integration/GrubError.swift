/// What is wrong with GRUB's files as early-ucode reads them.
public indirect enum GrubError: Sendable, Equatable, CustomStringConvertible {
    case closesNoBlock
    case blockWithoutBrace(String)
    case endsInsideBlock
    /// A defaults line about Xen's command line that needs a shell.
    case needsShell(Problem, text: String)

    public var description: String {
        switch self {
        case .closesNoBlock: "'}' closes no block"
        case .blockWithoutBrace(let name): "\(name) without '{' on the same line"
        case .endsInsideBlock: "file ends inside a block ('{' without '}')"
        case .needsShell(let problem, let text): "cannot be read without running a shell (\(problem)): \(text.prefix(80))"
        }
    }
}
