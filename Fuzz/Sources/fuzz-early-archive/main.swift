// Boot images: the early cpio walker (EarlyCPIOWalker.walk) and all of
// `inspect` on top of it (layout, microcode members, load predictions, the
// peek into a compressed main archive). Both read through ImageFile, so
// each input is written to a scratch file first.
import EarlyUcode
import FuzzSupport

let scratch = ScratchFile()
// One CPU of each vendor, so both loaders' predictions run.
let cpus = [
    InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x80), vendor: .intel, runningRevision: 0x2000065, isHost: true),
    InspectedCPU(signature: CPUSignature(0xA00F11), vendor: .amd, runningRevision: 0xA0011D1),
]

func checkProblem(_ error: InputError, size: Int) {
    if let offset = error.offset { Fuzzer.require((0...size).contains(offset), "offset \(offset) outside 0...\(size): \(error)") }
    Fuzzer.requireOneLine(error.description)
}

Fuzzer.run { bytes in
    scratch.replaceContents(with: bytes)
    let file: ImageFile
    do throws(InputError) {
        file = try ImageFile(path: scratch.path)
    } catch {
        Fuzzer.require(false, "scratch file unreadable: \(error)")
        return
    }
    do throws(InputError) {
        let walk = try EarlyCPIOWalker.walk(file)
        Fuzzer.require(walk.stop <= bytes.count, "walk stops at \(walk.stop) past \(bytes.count)")
        var previous = 0
        for archive in walk.archives {
            Fuzzer.require(archive.offset >= previous && archive.end <= bytes.count && archive.offset < archive.end, "archive \(archive.offset)..<\(archive.end) out of order or bounds")
            for member in archive.members + [archive.trailer] {
                Fuzzer.require(member.offset % 4 == 0, "member at unaligned \(member.offset)")
                Fuzzer.require(member.dataRange.upperBound <= bytes.count && member.end <= bytes.count, "member \(member.name.debugDescription) runs past the image")
                Fuzzer.require(member.nameBytes.count == member.nameSize - 1, "name of \(member.nameBytes.count) bytes for name size \(member.nameSize)")
            }
            previous = archive.end
        }
    } catch {
        checkProblem(error, size: bytes.count)
    }
    do throws(InputError) {
        let inspection = try ImageInspection.inspect(file, cpus: cpus)
        _ = InspectReport(inspection).lines
        if let problem = inspection.firstProblem { checkProblem(problem, size: bytes.count) }
    } catch {
        checkProblem(error, size: bytes.count)
    }
}
