// /proc/cpuinfo: HostCPUs(cpuinfo:path:), then everything `detect` and
// `build --host` compute from it.
import EarlyUcode
import FuzzSupport

Fuzzer.run { text in
    let host: HostCPUs
    do throws(InputError) {
        host = try HostCPUs(cpuinfo: text, path: "fuzz")
    } catch {
        if let offset = error.offset { Fuzzer.require((0...text.count).contains(offset), "offset \(offset) outside the input") }
        Fuzzer.requireOneLine(error.description)
        return
    }
    Fuzzer.require(!host.cpus.isEmpty, "parsed without CPUs")
    Fuzzer.require(Set(host.cpus.map(\.number)).count == host.cpus.count, "a processor number twice")
    let groups = host.groups
    Fuzzer.require(groups.reduce(0) { $0 + $1.cpus.count } == host.cpus.count, "groups lose CPUs")
    _ = host.mixedRevisions
    _ = host.targets
    _ = DetectReport(host: host)
}
