import ArgumentParser
import EarlyUcode
#if canImport(Glibc)
import Glibc
#endif

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say whether this host will load current microcode early at its next boot.",
        discussion: """
            Findings (ok, warning, problem) about the configuration, the CPUs and the microcode \
            available for them, the initrd images, the initramfs hooks, GRUB's Xen entries and \
            signs of late loading. Exit status 0: no problem; 1: at least one problem. Every input \
            can be pointed at captured files (--root, or one option per input). Each \
            /boot/initrd.img-* is read as `inspect` reads it: what Linux (and Xen, when grub.cfg has \
            Xen entries) would load from it for this host's CPUs, against the newest microcode \
            available.
            """)

    @Flag(help: "Print the findings as one JSON object (see docs/json.md).")
    var json = false

    @Option(help: ArgumentHelp("Read every input below this folder instead of /.", valueName: "DIR"))
    var root = "/"

    @OptionGroup var settings: ConfigOptions

    @Option(name: .customLong("firmware-dir"), help: ArgumentHelp(
        "Compare with microcode from this folder instead of the configured sources (repeatable).", valueName: "DIR"))
    var firmwareDirs: [String] = []

    @Option(help: ArgumentHelp("The CPU list (default ROOT/proc/cpuinfo).", valueName: "FILE"))
    var cpuinfo: String?
    @Option(help: ArgumentHelp("Per-CPU sysfs folder (default ROOT/sys/devices/system/cpu).", valueName: "DIR"))
    var sysfs: String?
    @Option(help: ArgumentHelp("Where kernels, initrds and Xen are (default ROOT/boot).", valueName: "DIR"))
    var bootDir: String?
    @Option(help: ArgumentHelp("GRUB's generated configuration (default ROOT/boot/grub/grub.cfg).", valueName: "FILE"))
    var grubCfg: String?
    @Option(help: ArgumentHelp("GRUB's defaults (default ROOT/etc/default/grub).", valueName: "FILE"))
    var grubDefaultsFile: String?
    @Option(help: ArgumentHelp("GRUB's defaults folder (default ROOT/etc/default/grub.d).", valueName: "DIR"))
    var grubDefaultsDir: String?
    @Option(help: ArgumentHelp("GRUB's Xen script (default ROOT/etc/grub.d/20_linux_xen).", valueName: "FILE"))
    var grubXenScript: String?
    @Option(help: ArgumentHelp("initramfs-tools' local hooks (default ROOT/etc/initramfs-tools/hooks).", valueName: "DIR"))
    var hooksDir: String?
    @Option(help: ArgumentHelp("Packaged initramfs hooks (default ROOT/usr/share/initramfs-tools/hooks).", valueName: "DIR"))
    var packageHooksDir: String?
    @Option(help: ArgumentHelp("Where intel-microcode/amd64-microcode settings are (default ROOT/etc/default).", valueName: "DIR"))
    var defaultsDir: String?
    @Option(help: ArgumentHelp("The kernel's taint mask (default ROOT/proc/sys/kernel/tainted).", valueName: "FILE"))
    var tainted: String?
    @Option(help: ArgumentHelp("Xen's log (an 'xl dmesg' capture). Default: 'xl dmesg' when running as dom0.", valueName: "FILE"))
    var xenLog: String?

    func run() throws {
        var inputs = ReadinessInputs(root: root)
        if let path = settings.config {
            inputs.config = path
            inputs.configRequired = true
        } else if settings.noConfig {
            inputs.config = nil
        }
        if !firmwareDirs.isEmpty { inputs.firmware = firmwareDirs.flatMap(MicrocodeSource.firmwareDirectory) }
        if let cpuinfo { inputs.cpuinfo = cpuinfo }
        if let sysfs { inputs.sysfs = sysfs }
        if let bootDir {
            inputs.bootDirectory = bootDir
            if grubCfg == nil { inputs.grubCfg = Path.join(bootDir, "grub/grub.cfg") }
        }
        if let grubCfg { inputs.grubCfg = grubCfg }
        if let grubDefaultsFile { inputs.grubDefaultsFile = grubDefaultsFile }
        if let grubDefaultsDir { inputs.grubDefaultsDirectory = grubDefaultsDir }
        if let grubXenScript { inputs.grubXenScript = grubXenScript }
        if let hooksDir { inputs.hookDirectory = hooksDir }
        if let packageHooksDir { inputs.packageHookDirectory = packageHooksDir }
        if let defaultsDir { inputs.defaultsDirectory = defaultsDir }
        if let tainted { inputs.taint = tainted }
        var logProblem: String?
        if let xenLog {
            do {
                inputs.xenLog = try FileIO.read(xenLog, limit: 16 << 20)
                inputs.xenLogSource = xenLog
            } catch {
                logProblem = error.description
            }
        } else if root == "/", isXenDom0(), let log = XenLog.capture() {
            inputs.xenLog = log
            inputs.xenLogSource = "xl dmesg"
        }

        var report = ReadinessCheck.run(inputs, images: InitrdFindings())
        if let logProblem {
            report = ReadinessReport(findings: report.findings + [Finding(.problem, .lateLoading, logProblem, path: xenLog)])
        }
        if json {
            try Console.reporting { try Console.json(report) }
        } else {
            for finding in report.findings { Console.out(finding.text) }
            let problems = report.findings.filter { $0.level == .problem }.count
            let warnings = report.findings.filter { $0.level == .warning }.count
            Console.out(report.ready
                ? "ready: no problems (\(warnings) warning\(warnings == 1 ? "" : "s"))"
                : "not ready: \(problems) problem\(problems == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        if !report.ready { throw ExitCode(1) }
    }

    /// dom0 is the only domain whose `xl dmesg` shows Xen's boot and late loads.
    private func isXenDom0() -> Bool {
        guard let bytes = try? FileIO.read("/proc/xen/capabilities", limit: 4096) else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("control_d")
    }
}

/// Runs `xl dmesg` and keeps its output; nil when it cannot be had (not
/// installed, xenstored down). Bounded in size, and never waited on for
/// long: `check` must answer even when the toolstack is wedged.
enum XenLog {
    static func capture() -> [UInt8]? {
        let candidates = ["/usr/sbin/xl", "/usr/lib/xen-common/bin/xen-toolstack"]
        guard let xl = candidates.first(where: { access($0, X_OK) == 0 }), xl.hasSuffix("/xl") else { return nil }
        var pipes: [Int32] = [0, 0]
        guard pipe(&pipes) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipes[0])
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(xl), strdup("dmesg"), nil]
        defer { for arg in argv { free(arg) } }
        let spawned = posix_spawn(&pid, xl, &actions, nil, argv, nil)
        close(pipes[1])
        defer { close(pipes[0]) }
        guard spawned == 0 else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let limitSeconds = deadline.tv_sec + 10
        while output.count < 16 << 20 {
            var poller = pollfd(fd: pipes[0], events: Int16(POLLIN), revents: 0)
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            guard now.tv_sec < limitSeconds, poll(&poller, 1, 1000) >= 0 else { break }
            if poller.revents == 0 { continue }
            let got = buffer.withUnsafeMutableBytes { read(pipes[0], $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            output += buffer[..<got]
        }
        var status: Int32 = 0
        // EOF comes just before the exit; give it two seconds to finish.
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) != 0 { return status == 0 ? output : nil }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }
}
