// /etc/default/early-ucode and the GRUB defaults files: the strict
// configuration parser, the lenient shell-assignment reader both use, and
// recognition of early-ucode's own GRUB fragment.
import EarlyUcode
import FuzzSupport

Fuzzer.run { bytes in
    do throws(InputError) {
        let config = try EarlyUcodeConfig.parse(bytes, path: "fuzz")
        _ = config.sources
    } catch {
        if let line = error.line { Fuzzer.require(line >= 1, "line \(line)") }
        Fuzzer.requireOneLine(error.description)
    }
    do throws(InputError) {
        let lenient = try ShellAssignments.parse(bytes, path: "fuzz", strict: false, environment: ["GRUB_CMDLINE_XEN": "dom0_mem=1G"])
        for assignment in lenient.assignments { _ = lenient.value(of: assignment.key) }
        for line in lenient.unreadable {
            Fuzzer.requireOneLine(InputError(path: "fuzz", line: line.line, .grub(.needsShell(.config(line.problem), text: line.text))).description)
        }
    } catch {
        Fuzzer.requireOneLine(error.description)
    }
    _ = GrubFragment.recognise(bytes, path: "fuzz")
}
