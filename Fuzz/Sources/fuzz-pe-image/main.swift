// PE/COFF images (xen.efi, unified kernel images): PEImage.parse, every
// offset and size checked, then, for an image with .linux, the unified
// kernel image reader and `inspect` on the initrd systemd-stub builds from
// .ucode and .initrd (a view of the file: ImageFile segments). A section
// table that parses describes each file byte at most once and lies inside
// the file; errors are one line at an offset inside the input.
import EarlyUcode
import FuzzSupport

let scratch = ScratchFile()
let cpus = [
    InspectedCPU(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x80), vendor: .intel, runningRevision: 0x2000065, isHost: true),
    InspectedCPU(signature: CPUSignature(0xA00F11), vendor: .amd, runningRevision: 0xA0011D1),
]
let bound = DecompressionBound(ratio: 32, floor: 1 << 20, cap: 8 << 20)

func checkProblem(_ error: InputError, size: Int) {
    if let offset = error.offset { Fuzzer.require((0...size).contains(offset), "offset \(offset) outside 0...\(size): \(error)") }
    Fuzzer.requireOneLine(error.description)
}

Fuzzer.run { bytes in
    let pe: PEImage
    do throws(ParseError) {
        pe = try PEImage.parse(bytes, fileSize: bytes.count)
    } catch {
        Fuzzer.require((0...bytes.count).contains(error.offset), "error offset \(error.offset) outside 0...\(bytes.count)")
        Fuzzer.requireOneLine(InputError(path: "fuzz", error).description)
        return
    }
    Fuzzer.require(pe.headersEnd <= bytes.count && (1...PEImage.sectionLimit).contains(pe.sections.count), "headers end at \(pe.headersEnd)")
    let ranges = pe.sections.filter { $0.rawSize > 0 }.map { Int($0.rawOffset)..<(Int($0.rawOffset) + Int($0.rawSize)) }.sorted { $0.lowerBound < $1.lowerBound }
    for range in ranges { Fuzzer.require(range.lowerBound >= pe.headersEnd && range.upperBound <= bytes.count, "section data \(range) outside") }
    for (a, b) in zip(ranges, ranges.dropFirst()) { Fuzzer.require(a.upperBound <= b.lowerBound, "sections \(a) and \(b) overlap") }
    for section in pe.sections { Fuzzer.require(section.fileRange.upperBound <= bytes.count && section.zeroFill >= 0, "\(section.name) read past the end") }

    guard pe.section(named: ".linux") != nil else { return }
    scratch.replaceContents(with: bytes)
    do throws(InputError) {
        let uki = try UnifiedKernelImage.read(path: scratch.path)
        var offset = 0
        for part in uki.parts {
            Fuzzer.require(part.offset == offset, "part \(part.section) at \(part.offset), expected \(offset)")
            offset += (part.size + 3) / 4 * 4
        }
        Fuzzer.require(uki.initrdSegments.reduce(0) { $0 + $1.count } == offset, "segments do not add up to the parts")
        let kernel = uki.kernel(bound: bound)
        if let problem = kernel.problem { Fuzzer.requireOneLine(problem.description) }
        let inspection = try uki.inspect(cpus: cpus, loaders: [LoaderModel(kernel)])
        var report = InspectReport(inspection)
        report.uki = UKIReport(uki, kernel: kernel)
        _ = report.lines
        if let problem = inspection.firstProblem { Fuzzer.requireOneLine(problem.description) }
    } catch {
        checkProblem(error, size: bytes.count)
    }
}
