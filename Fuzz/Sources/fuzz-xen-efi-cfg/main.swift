// xen.efi's configuration (xen.cfg): XenEFIConfig's strict reader, and
// early-ucode's edits of it. What reads must survive enable and disable:
// enabling gives a file that reads, names early-ucode's file in every
// section that boots Xen, and a second enable changes nothing; disabling
// that gives back the input byte for byte (when the input had no
// early-ucode lines of its own). Every error is one line with its line.
import EarlyUcode
import FuzzSupport

let file = "early-ucode.cpio"

Fuzzer.run { bytes in
    let config: XenEFIConfig
    do throws(InputError) {
        config = try XenEFIConfig(bytes, path: "fuzz")
    } catch {
        Fuzzer.require((error.line ?? 0) >= 1, "error without a line: \(error)")
        Fuzzer.requireOneLine(error.description)
        return
    }
    var previous = 0
    for line in config.lines {
        Fuzzer.require(line.content.lowerBound == previous && line.end.lowerBound == line.content.upperBound, "lines do not tile the file")
        previous = line.end.upperBound
    }
    Fuzzer.require(previous == bytes.count, "lines end at \(previous), the file at \(bytes.count)")
    for section in config.sections {
        _ = config.ucode(for: section)
        Fuzzer.require(section.header < section.end && section.end <= config.lines.count, "section [\(section.name)] out of range")
    }
    let clean = !config.lines.indices.contains { config.isOurs($0) || config.isReplacedRecord($0) }
    let (enabled, _) = config.enabling(file: file)
    let reread: XenEFIConfig
    do throws(InputError) {
        reread = try XenEFIConfig(enabled, path: "fuzz")
    } catch {
        Fuzzer.require(false, "enabled configuration does not read: \(error)")
        return
    }
    for section in reread.bootSections {
        Fuzzer.require(reread.ucode(for: section).map { $0.file == file && $0.isEarlyUcodes && !$0.fromGlobal } == true,
                       "[\(section.name)] does not name \(file) after enable")
    }
    Fuzzer.require(reread.enabling(file: file).changes.isEmpty, "a second enable changes something")
    let (disabled, _) = reread.disabling()
    if clean { Fuzzer.require(disabled == bytes, "disable does not give the input back") }
    do throws(InputError) {
        _ = try XenEFIConfig(disabled, path: "fuzz")
    } catch {
        Fuzzer.require(false, "disabled configuration does not read: \(error)")
    }
}
