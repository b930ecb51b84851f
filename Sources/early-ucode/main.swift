// The executable: everything else is in EarlyUcodeCLI, where tests run the
// commands in-process through the same `run(_:in:)`.
import EarlyUcodeCLI
#if canImport(Glibc)
import Glibc
#endif

exit(EarlyUcodeCommand.run(Array(CommandLine.arguments.dropFirst()), in: .process))
