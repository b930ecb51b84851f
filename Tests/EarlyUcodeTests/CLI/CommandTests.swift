import Foundation
import Testing

@testable import EarlyUcode
import EarlyUcodeCLI

/// The commands as the binary runs them, in-process (`InProcess`): status,
/// standard output and standard error, and what they write. What only a
/// process shows is in Process/ProcessTests.swift.
@Suite("CLI")
struct CLITests {
    /// intel/06-55-04 (rev 0x2007006, 2023-03-06), intel/06-8e-0a, amd/fam19h.
    static func fixtures(_ tmp: TemporaryDirectory) throws -> (root: String, intel: String, amd: String) {
        let intel = try tmp.directory("fw/intel-ucode")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x2007006, date: 0x0306_2023, signature: 0x50654, platforms: 0xb7),
                            to: intel + "/06-55-04")
        try Fabricate.write(Fabricate.intelUpdate(revision: 0xf6, date: 0x0201_2024, signature: 0x806ea, platforms: 0xc0),
                            to: intel + "/06-8e-0a")
        let amd = try tmp.directory("fw/amd-ucode")
        try Fabricate.write(Fabricate.amdContainer([.init(cpu: 0xa00f11, equivalenceID: 0xa011)],
                                                   patches: [Fabricate.amdPatch(patchID: 0xa0011d5, equivalenceID: 0xa011, date: 0x0311_2025)]),
                            to: amd + "/microcode_amd_fam19h.bin")
        return (tmp.file("fw"), intel, amd)
    }

    @Test func malformedFileFailsWithOneLineAndNoOutput() throws {
        let tmp = try TemporaryDirectory()
        let (root, intel, _) = try Self.fixtures(tmp)
        var bad = Fabricate.intelUpdate(revision: 1, signature: 0x906ea) + Fabricate.intelUpdate(revision: 2, signature: 0x906ea, seed: 5)
        Fabricate.setLE32(&bad, at: 1024 + 0x20, 3000)
        try Fabricate.write(bad, to: intel + "/06-9e-0a")
        let out = try tmp.directory("out")

        for arguments in [["--firmware-dir", root], [intel + "/06-9e-0a"]] {
            let result = InProcess.run(["build", "--all", "-o", out + "/early.cpio"] + arguments)
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines.count == 1, "\(result.stderr)")
            let line = try #require(result.stderrLines.first)
            #expect(line.contains(intel + "/06-9e-0a"))
            #expect(line.contains("offset \(1024 + 0x20)"))
            #expect(line.contains("multiple of 1024"))
            #expect(line.hasPrefix("early-ucode: error: "))
            let left = try FileManager.default.contentsOfDirectory(atPath: out)
            #expect(!left.contains("early.cpio"))
            #expect(!left.contains { $0.hasSuffix(".tmp") })
        }
    }

    @Test func skipInvalidWarnsAndBuilds() throws {
        let tmp = try TemporaryDirectory()
        let (root, intel, _) = try Self.fixtures(tmp)
        try Fabricate.write([0x7f, 0x45, 0x4c, 0x46] + [UInt8](repeating: 0, count: 60), to: intel + "/06-9e-0a")
        let result = InProcess.run(["build", "--all", "--skip-invalid", "-o", tmp.file("early.cpio"), "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderrLines.filter { $0.contains("warning") && $0.contains(intel + "/06-9e-0a") }.count == 1)
        #expect(FileManager.default.fileExists(atPath: tmp.file("early.cpio")))
    }

    @Test func buildToStandardOutput() throws {
        let tmp = try TemporaryDirectory()
        let (root, intel, _) = try Self.fixtures(tmp)
        let result = InProcess.run(["build", "--all", "--vendor", "intel", "-o", "-", "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.count % 512 == 0)
        let (members, _) = try Newc.walk(result.stdout)
        let member = try #require(members.first { $0.name == Vendor.intel.archiveMember })
        #expect(member.dataOffset % 16 == 0)
        #expect(Array(member.data) == (try Fabricate.read(intel + "/06-55-04")) + (try Fabricate.read(intel + "/06-8e-0a")))
        #expect(!members.contains { $0.name == Vendor.amd.archiveMember })
        #expect(result.stderr.contains("wrote standard output: \(result.stdout.count) bytes"))
        // Nothing else is created.
        #expect(try tmp.contents() == ["fw"])
    }

    @Test func buildJSONReport() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        let output = tmp.file("early.cpio")
        let result = InProcess.run(["build", "--all", "--json", "-o", output, "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        for key in ["output", "size", "mtime", "members", "updates", "notes"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let written = try Fabricate.read(output)
        #expect(object["output"] as? String == output)
        #expect(object["size"] as? Int == written.count)
        #expect(object["mtime"] as? Int == 1_741_651_200)   // the AMD patch's 2025-03-11
        let members = try #require(object["members"] as? [[String: Any]])
        #expect(members.compactMap { $0["name"] as? String } == [Vendor.amd.archiveMember, Vendor.intel.archiveMember])
        let (cpio, _) = try Newc.walk(written)
        for member in members {
            let name = try #require(member["name"] as? String)
            let offset = try #require(member["dataOffset"] as? Int)
            #expect(offset % 16 == 0)
            #expect(cpio.first { $0.name == name }?.dataOffset == offset)
            #expect(cpio.first { $0.name == name }?.size == member["size"] as? Int)
        }
        let updates = try #require(object["updates"] as? [[String: Any]])
        #expect(updates.compactMap { $0["revision"] as? String } == ["0x2007006", "0xf6", "0xa0011d5"])
        #expect(cpio.dropLast().allSatisfy { $0.mtime == 1_741_651_200 })
    }

    @Test func sourceDateEpochIsRespected() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        let result = InProcess.run(["build", "--all", "--json", "-o", tmp.file("a.cpio"), "--firmware-dir", root], environment: ["SOURCE_DATE_EPOCH": "1234567890"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
        #expect(object["mtime"] as? Int == 1_234_567_890)
        let (members, _) = try Newc.walk(try Fabricate.read(tmp.file("a.cpio")))
        #expect(members.dropLast().allSatisfy { $0.mtime == 1_234_567_890 })

        let bad = InProcess.run(["build", "--all", "-o", tmp.file("b.cpio"), "--firmware-dir", root], environment: ["SOURCE_DATE_EPOCH": "yesterday"])
        #expect(bad.status == 1)
        #expect(bad.stderrLines.count == 1)
        #expect(bad.stderr.contains("SOURCE_DATE_EPOCH"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("b.cpio")))
    }

    @Test func buildsAreReproducible() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        let first = InProcess.run(["build", "--all", "-o", "-", "--firmware-dir", root])
        let second = InProcess.run(["build", "--all", "-o", tmp.file("second.cpio"), "--firmware-dir", root])
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdout == (try Fabricate.read(tmp.file("second.cpio"))))
    }

    @Test func nothingAppliesWritesNothing() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        let result = InProcess.run(["build", "--cpu", "0x906ea,0x02", "-o", tmp.file("early.cpio"), "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("early.cpio")))
        #expect(result.stderr.contains("nothing written"))
        #expect(try tmp.contents() == ["fw"])

        let json = InProcess.run(["build", "--json", "--cpu", "0x906ea,0x02", "-o", tmp.file("early.cpio"), "--firmware-dir", root])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect(object["output"] == nil)
        #expect(object["size"] as? Int == 0)
        #expect((object["members"] as? [Any])?.isEmpty == true)
        #expect((object["notes"] as? [String])?.contains { $0.contains("0x000906ea") } == true)
        #expect(try tmp.contents() == ["fw"])
    }

    @Test func rebuildKeepsTheModeOfTheExistingFile() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        let output = tmp.file("early.cpio")
        try Fabricate.write("old", to: output)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: output)
        let result = InProcess.run(["build", "--all", "-o", output, "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: output)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try Newc.walk(try Fabricate.read(output)).members.count > 4)
        #expect(!(try tmp.contents()).contains { $0.hasSuffix(".tmp") })
    }

    @Test func outputInAMissingFolderFailsWithOneLine() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        let result = InProcess.run(["build", "--all", "-o", tmp.file("no/such/dir/early.cpio"), "--firmware-dir", root])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(tmp.file("no/such/dir")))
    }

    @Test func hostSelectionFromCapturedCpuinfo() throws {
        let tmp = try TemporaryDirectory()
        let (root, intel, _) = try Self.fixtures(tmp)
        try Fabricate.write(Fabricate.cpuinfo([.init(number: 0), .init(number: 1)]), to: tmp.file("cpuinfo"))
        let sysfs = try tmp.directory("sys")
        try Fabricate.sysfs(in: sysfs, flags: [0: 0x80, 1: 0x80])
        let result = InProcess.run(["build", "--cpuinfo", tmp.file("cpuinfo"), "--sysfs", sysfs, "-o", "-", "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        let (members, _) = try Newc.walk(result.stdout)
        #expect(members.filter { $0.isRegular }.map(\.name) == [Vendor.intel.archiveMember])
        #expect(members.first { $0.isRegular }.map { Array($0.data) } == (try Fabricate.read(intel + "/06-55-04")))
    }

    @Test func detectWarnsAboutMixedRevisions() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Fabricate.cpuinfo([
            .init(number: 0, microcode: "0x2007006"), .init(number: 1, microcode: "0x2006e05"),
            .init(number: 2, microcode: "0x2007006"), .init(number: 3, microcode: nil),
        ]), to: tmp.file("cpuinfo"))
        let sysfs = try tmp.directory("sys")
        try Fabricate.sysfs(in: sysfs, flags: [0: 0x80, 1: 0x80, 2: 0x80, 3: 0x80], versions: [3: 0x2006e05])
        let result = InProcess.run(["detect", "--cpuinfo", tmp.file("cpuinfo"), "--sysfs", sysfs])
        #expect(result.status == 3)
        #expect(result.stdoutText.split(separator: "\n") == [
            "GenuineIntel 0x00050654 (06-55-04) pf 0x80 rev 0x2007006 cpus 0,2",
            "GenuineIntel 0x00050654 (06-55-04) pf 0x80 rev 0x2006e05 cpus 1,3",
        ])
        let warnings = result.stderrLines.filter { $0.contains("warning") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("0x2007006 on 0,2, 0x2006e05 on 1,3") == true)

        let json = InProcess.run(["detect", "--json", "--cpuinfo", tmp.file("cpuinfo"), "--sysfs", sysfs])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect((object["mixedRevisions"] as? [Any])?.count == 1)
        #expect((object["cpus"] as? [Any])?.count == 2)
    }

    @Test func detectOnUniformHostExitsZero() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write(Fabricate.cpuinfo([.init(number: 0), .init(number: 1)]), to: tmp.file("cpuinfo"))
        let result = InProcess.run(["detect", "--cpuinfo", tmp.file("cpuinfo"), "--sysfs", tmp.file("none")])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdoutText == "GenuineIntel 0x00050654 (06-55-04) pf unknown rev 0x2007006 cpus 0-1\n")
    }

    @Test func detectOnGarbageNamesTheLine() throws {
        let tmp = try TemporaryDirectory()
        try Fabricate.write("processor\t: 0\nnonsense\n", to: tmp.file("cpuinfo"))
        let result = InProcess.run(["detect", "--cpuinfo", tmp.file("cpuinfo"), "--sysfs", tmp.file("none")])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains(tmp.file("cpuinfo") + ":2"))
    }

    @Test func listShowsVerdicts() throws {
        let tmp = try TemporaryDirectory()
        let (root, intel, _) = try Self.fixtures(tmp)
        try Fabricate.write(Fabricate.intelUpdate(revision: 0x2006e05, date: 0x0311_2022, signature: 0x50654, platforms: 0xb7),
                            to: intel + "/06-55-04.initramfs")
        let result = InProcess.run(["list", "--cpu", "0x50654,0x80", "--firmware-dir", root])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.last == "4 updates found, 1 selected")
        #expect(lines.contains { $0.hasPrefix("* intel") && $0.contains("rev 0x2007006") })
        #expect(lines.contains { $0.hasPrefix("- intel") && $0.contains("rev 0x2006e05") && $0.contains("older") })
    }

    @Test func refusesToWriteThroughASymlink() throws {
        let tmp = try TemporaryDirectory()
        let (root, _, _) = try Self.fixtures(tmp)
        try Fabricate.write("keep me", to: tmp.file("target"))
        try FileManager.default.createSymbolicLink(atPath: tmp.file("link.cpio"), withDestinationPath: tmp.file("target"))
        let result = InProcess.run(["build", "--all", "-o", tmp.file("link.cpio"), "--firmware-dir", root])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1)
        #expect(String(decoding: try Fabricate.read(tmp.file("target")), as: UTF8.self) == "keep me")
    }

    @Test(arguments: [
        ["build", "--all", "--cpu", "0x50654"],
        ["build", "--cpu", "banana"],
        ["build", "--vendor", "via"],
        ["build", "--exclude", "0x50654,zz"],
        ["build", "--json", "-o", "-"],
        ["build", "--no-such-option"],
        ["frobnicate"],
    ])
    func usageErrorsExit64(_ arguments: [String]) throws {
        let tmp = try TemporaryDirectory()
        let result = InProcess.run(arguments + ["--firmware-dir", tmp.path])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
        #expect(try tmp.contents().isEmpty, "nothing written")
    }
}
