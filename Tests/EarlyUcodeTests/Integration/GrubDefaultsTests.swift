import Foundation
import Testing

@testable import EarlyUcode

@Suite("GrubDefaults and early-ucode's GRUB fragment")
struct BootGrubDefaultsTests {
    @Test func referenceCopyMatchesWhatEnableWrites() throws {
        let copy = try Fabricate.read(BootFixtures.packageRoot + "hooks/grub/zz-early-ucode.cfg")
        #expect(String(decoding: copy, as: UTF8.self) == GrubFragment.content(.auto))
    }

    @Test(arguments: [
        (GrubFragment.Mode.auto, "", "", "ucode=scan"),
        (.auto, "", "dom0_mem=2G", "dom0_mem=2G ucode=scan"),
        (.auto, "", "dom0_mem=2G ucode=scan", "dom0_mem=2G ucode=scan"),
        (.auto, "ucode=-1", "", ""),
        (.auto, "", "ucode=no-scan", "ucode=no-scan"),
        (.yes, "", "ucode=no-scan", "ucode=no-scan ucode=scan"),
        (.yes, "ucode=scan", "", ""),
        (.yes, "", "x ucode=scan", "x ucode=scan"),
    ])
    func fragmentEffect(mode: GrubFragment.Mode, xen: String, xenDefault: String, expected: String) {
        let (newXen, newDefault) = mode.apply(xen: xen, xenDefault: xenDefault)
        #expect(newXen == xen)
        #expect(newDefault == expected)
        // Applying it again changes nothing: grub-mkconfig may source it more than once.
        #expect(mode.apply(xen: newXen, xenDefault: newDefault).1 == expected)
    }

    /// The shell file and the Swift simulation `check` relies on must agree.
    @Test(arguments: [GrubFragment.Mode.auto, .yes], [
        ("", ""), ("", "dom0_mem=2G"), ("ucode=-1", ""), ("", "ucode=no-scan"), ("ucode=scan", ""), ("", "a\tucode=scan"),
    ])
    func shellAgreesWithSimulation(mode: GrubFragment.Mode, values: (String, String)) throws {
        let dir = try TemporaryDirectory("boot-fragment")
        try Fabricate.write(GrubFragment.content(mode), to: dir.file("zz-early-ucode.cfg"))
        let result = try run("/bin/sh", ["-euc", ". \"$1\"; . \"$1\"; printf '%s' \"${GRUB_CMDLINE_XEN_DEFAULT-}\"", "sh", dir.file("zz-early-ucode.cfg")],
                             environment: ["GRUB_CMDLINE_XEN": values.0, "GRUB_CMDLINE_XEN_DEFAULT": values.1])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText == mode.apply(xen: values.0, xenDefault: values.1).1)
    }

    @Test func recognisesItsOwnFileOnly() {
        #expect(GrubFragment.recognise(Array(GrubFragment.content(.yes).utf8), path: "f") == GrubFragment.Found(path: "f", mode: .yes, current: true))
        #expect(GrubFragment.recognise(Array("GRUB_CMDLINE_XEN_DEFAULT=x\n".utf8), path: "f") == nil)
        let edited = GrubFragment.content(.auto) + "# local edit\n"
        #expect(GrubFragment.recognise(Array(edited.utf8), path: "f")?.current == false)
    }

    @Test func readsFilesInGrubMkconfigOrder() throws {
        let dir = try TemporaryDirectory("boot-grub-defaults")
        try dir.directory("grub.d")
        try Fabricate.write("GRUB_DEFAULT=0\nGRUB_CMDLINE_XEN=\"loglvl=all\"\nGRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=2G\"\n", to: dir.file("grub"))
        try Fabricate.write(GrubFragment.content(.auto), to: dir.file("grub.d/zz-early-ucode.cfg"))
        try Fabricate.write("GRUB_CMDLINE_XEN_DEFAULT=\"$GRUB_CMDLINE_XEN_DEFAULT smt=off\"\n", to: dir.file("grub.d/zz-local.cfg"))
        try Fabricate.write("GRUB_CMDLINE_XEN_DEFAULT=ignored\n", to: dir.file("grub.d/notes.txt"))
        let defaults = try GrubDefaults.load(file: dir.file("grub"), directory: dir.file("grub.d"))
        #expect(defaults.files.count == 3)
        #expect(defaults.fragment?.mode == .auto)
        #expect(defaults.xen == "loglvl=all")
        #expect(defaults.xenDefault == "dom0_mem=2G ucode=scan smt=off")
        #expect(defaults.normalCommandLine.microcode.scan)
        #expect(!defaults.recoveryCommandLine.microcode.isSet)
        #expect(defaults.xenDefaultSetAt == dir.file("grub.d/zz-local.cfg") + ":1")
    }

    /// Debian's xen-hypervisor-common ships grub.d/xen.cfg, where
    /// administrators set GRUB_CMDLINE_XEN_DEFAULT; ours is named to be sourced after it.
    @Test func debiansXenCfgDoesNotUndoIt() throws {
        let dir = try TemporaryDirectory("boot-grub-defaults")
        try dir.directory("grub.d")
        try Fabricate.write(GrubFragment.content(.auto), to: dir.file("grub.d/" + GrubDefaults.fragmentName))
        try Fabricate.write("GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=4G,max:4G\"\n", to: dir.file("grub.d/xen.cfg"))
        try Fabricate.write("GRUB_CMDLINE_XEN_DEFAULT=\"x\"\n", to: dir.file("grub.d/init-select.cfg"))
        let defaults = try GrubDefaults.load(file: dir.file("absent"), directory: dir.file("grub.d"))
        #expect(defaults.xenDefault == "dom0_mem=4G,max:4G ucode=scan")
    }

    @Test func aLaterFileCanUndoIt() throws {
        let dir = try TemporaryDirectory("boot-grub-defaults")
        try dir.directory("grub.d")
        try Fabricate.write(GrubFragment.content(.auto), to: dir.file("grub.d/zz-early-ucode.cfg"))
        try Fabricate.write("GRUB_CMDLINE_XEN_DEFAULT=\"dom0_mem=4G\"\n", to: dir.file("grub.d/zz-site.cfg"))
        let defaults = try GrubDefaults.load(file: dir.file("absent"), directory: dir.file("grub.d"))
        #expect(!defaults.normalCommandLine.microcode.isSet)
    }

    @Test func shellConstructsAreReportedNotGuessed() throws {
        let dir = try TemporaryDirectory("boot-grub-defaults")
        try Fabricate.write("if [ -e /x ]; then GRUB_CMDLINE_XEN_DEFAULT=\"ucode=scan\"; fi\nGRUB_DISTRIBUTOR=`lsb_release -i -s`\n", to: dir.file("grub"))
        let defaults = try GrubDefaults.load(file: dir.file("grub"), directory: dir.file("none"))
        #expect(defaults.unreadable.map(\.line) == [1])
        #expect(defaults.unreadable.first?.path == dir.file("grub"))
    }
}
