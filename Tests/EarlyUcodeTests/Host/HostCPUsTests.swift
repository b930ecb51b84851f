import Foundation
import Testing

@testable import EarlyUcode

@Suite("Host CPUs")
struct HostCPUsTests {
    typealias CPU = Fabricate.FakeCPU

    static func parse(_ text: String, path: String = "cpuinfo") throws -> HostCPUs {
        try HostCPUs(cpuinfo: Array(text.utf8), path: path)
    }

    @Test func multiCPUParsing() throws {
        let host = try Self.parse(Fabricate.cpuinfo([
            CPU(number: 0), CPU(number: 1),
            CPU(number: 2, vendor: "AuthenticAMD", family: 25, model: 1, stepping: 1, microcode: "0xa0011d5"),
            CPU(number: 3, microcode: nil),
        ]))
        #expect(host.cpus.map(\.number) == [0, 1, 2, 3])
        #expect(host.cpus.map(\.signature) == [CPUSignature(0x50654), CPUSignature(0x50654), CPUSignature(0xa00f11), CPUSignature(0x50654)])
        #expect(host.cpus.map(\.revision) == [0x2007006, 0x2007006, 0xa0011d5, nil])
        #expect(host.cpus.map(\.vendor) == [.intel, .intel, .amd, .intel])
        #expect(host.cpus.allSatisfy { $0.platforms == nil })
        #expect(host.cpus[2].family == 25 && host.cpus[2].model == 1 && host.cpus[2].stepping == 1)
    }

    @Test func realKernelLayoutWithoutTrailingBlankLine() throws {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\nstepping\t: 8\nmicrocode\t: 0x2b000650\nflags\t\t: fpu vme\nbugs\t\t:\npower management:"
        let host = try Self.parse(text)
        #expect(host.cpus.count == 1)
        #expect(host.cpus.first?.signature == CPUSignature(0x806f8))
        #expect(host.cpus.first?.revision == 0x2b000650)
    }

    @Test func sysfsAddsPlatformFlagsAndMissingRevisions() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Fabricate.cpuinfo([
            CPU(number: 0, microcode: nil), CPU(number: 1, microcode: "0x2007006"), CPU(number: 2, microcode: nil),
        ]), to: tmp.file("cpuinfo"))
        let sysfs = try tmp.directory("cpu")
        try Fabricate.sysfs(in: sysfs, flags: [0: 0x80, 1: 0x80, 2: 0x01], versions: [0: 0x2006e05, 1: 0x1111])
        let host = try HostCPUs.read(cpuinfo: tmp.file("cpuinfo"), sysfs: sysfs)
        #expect(host.cpus.map(\.platforms) == [PlatformFlags(0x80), PlatformFlags(0x80), PlatformFlags(0x01)])
        // cpuinfo's own revision wins; sysfs fills in what it lacks.
        #expect(host.cpus.map(\.revision) == [0x2006e05, 0x2007006, nil])
        #expect(host.targets == [
            CPUTarget(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x80), vendor: .intel),
            CPUTarget(signature: CPUSignature(0x50654), platforms: PlatformFlags(0x01), vendor: .intel),
        ])
    }

    @Test func missingSysfsIsNormal() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Fabricate.cpuinfo([CPU(number: 0)]), to: tmp.file("cpuinfo"))
        let host = try HostCPUs.read(cpuinfo: tmp.file("cpuinfo"), sysfs: tmp.file("no-such-dir"))
        #expect(host.cpus.first?.platforms == nil)
        let without = try HostCPUs.read(cpuinfo: tmp.file("cpuinfo"), sysfs: nil)
        #expect(without.cpus.count == 1)
    }

    @Test func malformedSysfsValueIsAnError() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Fabricate.cpuinfo([CPU(number: 0)]), to: tmp.file("cpuinfo"))
        let dir = try tmp.directory("cpu/cpu0/microcode")
        try Fabricate.write("banana\n", to: dir + "/processor_flags")
        let error = try #require(throws: InputError.self) { try HostCPUs.read(cpuinfo: tmp.file("cpuinfo"), sysfs: tmp.file("cpu")) }
        #expect(error.path == dir + "/processor_flags")
    }

    @Test func missingCpuinfoIsAnInputError() throws {
        let tmp = try TemporaryDirectory()
        let error = try #require(throws: InputError.self) { try HostCPUs.read(cpuinfo: tmp.file("nope"), sysfs: nil) }
        #expect(error.path == tmp.file("nope"))
    }

    // MARK: Errors

    struct BadInfo: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var line: Int?
        var problem: Problem
        var testDescription: String { name }
    }

    static var badInfos: [BadInfo] {
        let good = Fabricate.cpuinfo([CPU(number: 0)])  // 11 lines incl. the blank one
        return [
            BadInfo(name: "garbage line", text: good + "processor\t: 1\nthis is not a field\n", line: 13, problem: .host(.expectedKeyValue(found: "this is not a field"))),
            BadInfo(name: "empty key", text: "processor\t: 0\n: value\n", line: 2, problem: .host(.noKey)),
            BadInfo(name: "missing vendor", text: good + "processor\t: 1\ncpu family\t: 6\nmodel\t: 85\nstepping\t: 4\n", line: 12,
                    problem: .host(.missingField("vendor_id"))),
            BadInfo(name: "missing model", text: "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nstepping\t: 4\n", line: 1,
                    problem: .host(.missingField("model"))),
            BadInfo(name: "duplicate key", text: "processor\t: 0\nvendor_id\t: GenuineIntel\nvendor_id\t: AuthenticAMD\n", line: 3,
                    problem: .host(.keyTwice("vendor_id"))),
            BadInfo(name: "duplicate processor", text: good + Fabricate.cpuinfo([CPU(number: 0)]), line: nil, problem: .host(.processorTwice(0))),
            BadInfo(name: "stepping out of range", text: Fabricate.cpuinfo([CPU(number: 0, stepping: 16)]), line: 6, problem: .host(.badNumber(key: "stepping", value: "16", range: 0...0xf))),
            BadInfo(name: "family not a number", text: good.replacingOccurrences(of: "cpu family\t: 6", with: "cpu family\t: six"), line: 3,
                    problem: .host(.badNumber(key: "cpu family", value: "six", range: 0...(0xf + 0xff)))),
            BadInfo(name: "bad microcode", text: Fabricate.cpuinfo([CPU(number: 0, microcode: "latest")]), line: 7, problem: .host(.badRevision("latest"))),
            BadInfo(name: "no signature", text: Fabricate.cpuinfo([CPU(number: 0, family: 5, model: 17)]), line: 1,
                    problem: .host(.noSignature(family: 5, model: 17, stepping: 4))),
            BadInfo(name: "empty", text: "\n\n", line: nil, problem: .host(.noCPUs)),
        ]
    }

    @Test(arguments: badInfos)
    func malformedCpuinfo(_ bad: BadInfo) throws {
        let error = try #require(throws: InputError.self) { try Self.parse(bad.text, path: "/proc/cpuinfo") }
        #expect(error.path == "/proc/cpuinfo")
        #expect(error.line == bad.line, "\(error)")
        #expect(error.problem == bad.problem, "\(error)")
    }

    // MARK: Groups, mixed revisions, targets

    static let mixedHost: [CPU] = [
        CPU(number: 0, microcode: "0x2007006"),
        CPU(number: 1, microcode: "0x2006e05"),
        CPU(number: 2, microcode: "0x2007006"),
        CPU(number: 3, microcode: "0x2006e05"),
        CPU(number: 4, vendor: "AuthenticAMD", family: 25, model: 1, stepping: 1, microcode: "0xa0011d5"),
        CPU(number: 5, vendor: "AuthenticAMD", family: 25, model: 1, stepping: 1, microcode: "0xa0011d5"),
        CPU(number: 6, vendor: "CentaurHauls", family: 6, model: 15, stepping: 14, microcode: nil),
    ]

    @Test func groupsAndMixedRevisions() throws {
        let host = try Self.parse(Fabricate.cpuinfo(Self.mixedHost))
        #expect(host.groups.map(\.cpus) == [[0, 2], [1, 3], [4, 5], [6]])
        #expect(host.groups.map(\.revision) == [0x2007006, 0x2006e05, 0xa0011d5, nil])
        #expect(host.groups.map(\.vendorID) == ["GenuineIntel", "GenuineIntel", "AuthenticAMD", "CentaurHauls"])
        #expect(host.mixedRevisions == [
            MixedRevisions(signature: CPUSignature(0x50654), revisions: [(0x2007006, [0, 2]), (0x2006e05, [1, 3])]),
        ])
        // Unknown vendors are not targets; AMD never has platform flags.
        #expect(host.targets == [
            CPUTarget(signature: CPUSignature(0x50654), platforms: nil, vendor: .intel),
            CPUTarget(signature: CPUSignature(0xa00f11), platforms: nil, vendor: .amd),
        ])
        let report = DetectReport(host: host)
        #expect(report.mixedRevisions.first?.warning.contains("0x2007006 on 0,2, 0x2006e05 on 1,3") == true)
        #expect(report.cpus.first?.line == "GenuineIntel 0x00050654 (06-55-04) pf unknown rev 0x2007006 cpus 0,2")
    }

    @Test func groupsFollowCPUNumbersNotFileOrder() throws {
        let host = try Self.parse(Fabricate.cpuinfo([
            CPU(number: 3, microcode: "0x1"), CPU(number: 0, microcode: "0x2"), CPU(number: 1, microcode: "0x1"),
        ]))
        #expect(host.groups.map(\.cpus) == [[0], [1, 3]])
        #expect(host.mixedRevisions.first?.revisions.map(\.cpus) == [[0], [1, 3]])
    }

    @Test func unknownRevisionCountsAsDifferent() throws {
        let host = try Self.parse(Fabricate.cpuinfo([CPU(number: 0, microcode: nil), CPU(number: 1)]))
        #expect(host.mixedRevisions.count == 1)
        #expect(host.mixedRevisions.first?.revisions.map(\.revision) == [nil, 0x2007006])
    }

    @Test func uniformHostHasNoMixedRevisions() throws {
        let host = try Self.parse(Fabricate.cpuinfo((0..<8).map { CPU(number: $0) }))
        #expect(host.mixedRevisions.isEmpty)
        #expect(host.groups.count == 1)
        #expect(host.groups.first?.cpus == Array(0..<8))
        #expect(CPUList.format(host.groups.first?.cpus ?? []) == "0-7")
    }

    #if arch(x86_64)
    /// /proc files report size 0: the reader must go on to EOF.
    @Test(.enabled(if: FileManager.default.isReadableFile(atPath: "/proc/cpuinfo")))
    func readsThisMachinesCpuinfo() throws {
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let processors = text.split(separator: "\n").filter { $0.hasPrefix("processor") }.count
        let host = try HostCPUs.read()
        #expect(host.cpus.count == processors)
        #expect(!host.groups.isEmpty)
    }
    #endif

    @Test func cpuListFormatting() {
        #expect(CPUList.format([0, 1, 2, 3, 8, 10, 11]) == "0-3,8,10-11")
        #expect(CPUList.format([5]) == "5")
        #expect(CPUList.format([]) == "")
        #expect(CPUList.format([3, 1, 2]) == "1-3")
    }
}
