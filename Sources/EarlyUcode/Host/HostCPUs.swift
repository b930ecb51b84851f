/// One logical CPU as the kernel describes it.
public struct LogicalCPU: Sendable, Equatable {
    public var number: Int
    /// `vendor_id` as the kernel prints it.
    public var vendorID: String
    public var family: Int
    public var model: Int
    public var stepping: Int
    public var signature: CPUSignature
    /// The running microcode revision, when the kernel shows it.
    public var revision: UInt32?
    /// Intel platform flags from sysfs; nil when not known.
    public var platforms: PlatformFlags?

    public var vendor: Vendor? { Vendor(rawValue: vendorID) }
}

/// CPUs that share a signature, platform and running revision: one line of
/// `detect`.
public struct CPUGroup: Sendable, Equatable {
    public var vendorID: String
    public var signature: CPUSignature
    public var family: Int
    public var model: Int
    public var stepping: Int
    public var platforms: PlatformFlags?
    public var revision: UInt32?
    public var cpus: [Int]
}

/// Logical CPUs of one signature running different revisions: the state
/// late loading leaves behind, and the one early loading prevents.
public struct MixedRevisions: Sendable, Equatable {
    public var signature: CPUSignature
    /// Each revision seen (nil: not shown), with the CPUs running it.
    public var revisions: [(revision: UInt32?, cpus: [Int])]

    public static func == (a: MixedRevisions, b: MixedRevisions) -> Bool {
        a.signature == b.signature && a.revisions.elementsEqual(b.revisions) { $0.revision == $1.revision && $0.cpus == $1.cpus }
    }
}

/// The host's CPUs, read from `/proc/cpuinfo` and sysfs (or captures of
/// them, so tests and fleet tools can feed their own).
public struct HostCPUs: Sendable, Equatable {
    public var cpus: [LogicalCPU]

    public init(cpus: [LogicalCPU]) { self.cpus = cpus }

    public static let defaultCPUInfo = "/proc/cpuinfo"
    public static let defaultSysfs = "/sys/devices/system/cpu"

    /// Reads cpuinfo, then adds what sysfs knows (platform flags, revisions
    /// cpuinfo lacks). A missing sysfs folder is normal (containers, captures).
    public static func read(cpuinfo: String = defaultCPUInfo, sysfs: String? = defaultSysfs) throws -> HostCPUs {
        let text: [UInt8]
        do {
            // /proc files report size 0; read(2) until EOF handles that.
            text = try FileIO.read(cpuinfo, limit: 16 << 20)
        } catch {
            throw InputError(error)
        }
        var host = try HostCPUs(cpuinfo: text, path: cpuinfo)
        if let sysfs, FileIO.resolvedKind(sysfs) == .directory {
            for index in host.cpus.indices {
                let dir = Path.join(sysfs, "cpu\(host.cpus[index].number)/microcode")
                if let flags = try readHexFile(Path.join(dir, "processor_flags")) {
                    host.cpus[index].platforms = PlatformFlags(flags)
                }
                if host.cpus[index].revision == nil, let version = try readHexFile(Path.join(dir, "version")) {
                    host.cpus[index].revision = version
                }
            }
        }
        return host
    }

    /// A one-value sysfs file, or nil when absent.
    static func readHexFile(_ path: String) throws(InputError) -> UInt32? {
        guard FileIO.resolvedKind(path) == .regular else { return nil }
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 4096) } catch { throw InputError(error) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        guard let value = Hex.parseUInt32(text) else {
            throw InputError(path: path, offset: 0, .host(.expectedHexValue(found: text)))
        }
        return value
    }

    /// Parses /proc/cpuinfo: blocks of `key<TAB>: value` lines, one block
    /// per logical CPU, separated by blank lines.
    public init(cpuinfo text: [UInt8], path: String) throws(InputError) {
        var cpus: [LogicalCPU] = []
        var fields: [String: (value: String, line: Int)] = [:]
        var blockLine = 1

        func finish() throws(InputError) {
            defer { fields = [:] }
            guard !fields.isEmpty else { return }
            cpus.append(try Self.cpu(from: fields, path: path, blockLine: blockLine))
        }

        var lineNumber = 0
        var offset = 0
        // Bytes, not Characters: a 128-CPU host's cpuinfo is 400 KB, and
        // reading it a Character at a time cost 150 instructions a byte.
        for rawLine in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            defer { offset += rawLine.count + 1 }
            if Self.trimmed(rawLine).isEmpty {
                try finish()
                continue
            }
            if fields.isEmpty { blockLine = lineNumber }
            guard let colon = rawLine.firstIndex(of: UInt8(ascii: ":")) else {
                throw InputError(path: path, offset: offset, line: lineNumber,
                                 .host(.expectedKeyValue(found: String(decoding: rawLine, as: UTF8.self))))
            }
            let key = String(decoding: Self.trimmed(rawLine[..<colon]), as: UTF8.self)
            let value = String(decoding: Self.trimmed(rawLine[(colon + 1)...]), as: UTF8.self)
            guard !key.isEmpty else {
                throw InputError(path: path, offset: offset, line: lineNumber, .host(.noKey))
            }
            guard fields[key] == nil else {
                throw InputError(path: path, offset: offset, line: lineNumber, .host(.keyTwice(key)))
            }
            fields[key] = (value, lineNumber)
        }
        try finish()
        guard !cpus.isEmpty else { throw InputError(path: path, .host(.noCPUs)) }
        var seen: Set<Int> = []
        for cpu in cpus where !seen.insert(cpu.number).inserted {
            throw InputError(path: path, .host(.processorTwice(cpu.number)))
        }
        self.cpus = cpus
    }

    /// `bytes` without ASCII white space (space, tab, line feed, vertical
    /// tab, form feed, carriage return) at either end.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0d).contains(byte) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[first...last]
    }

    private static func cpu(from fields: [String: (value: String, line: Int)], path: String, blockLine: Int) throws(InputError) -> LogicalCPU {
        func field(_ key: String) throws(InputError) -> (value: String, line: Int) {
            guard let found = fields[key] else {
                throw InputError(path: path, line: blockLine, .host(.missingField(key)))
            }
            return found
        }
        func decimal(_ key: String, _ range: ClosedRange<Int>) throws(InputError) -> Int {
            let (value, line) = try field(key)
            guard value.utf8.count <= 6, let number = Int(value), range.contains(number) else {
                throw InputError(path: path, line: line, .host(.badNumber(key: key, value: value, range: range)))
            }
            return number
        }
        let number = try decimal("processor", 0...1_000_000)
        let vendorID = try field("vendor_id").value
        let family = try decimal("cpu family", 0...(0xf + 0xff))
        let model = try decimal("model", 0...0xff)
        let stepping = try decimal("stepping", 0...0xf)
        guard let signature = CPUSignature(family: family, model: model, stepping: stepping) else {
            throw InputError(path: path, line: blockLine, .host(.noSignature(family: family, model: model, stepping: stepping)))
        }
        var revision: UInt32?
        if let (value, line) = fields["microcode"] {
            guard let parsed = Hex.parseUInt32(value) else {
                throw InputError(path: path, line: line, .host(.badRevision(value)))
            }
            revision = parsed
        }
        return LogicalCPU(number: number, vendorID: vendorID, family: family, model: model, stepping: stepping,
                          signature: signature, revision: revision, platforms: nil)
    }

    /// Distinct CPUs, in order of their first logical CPU. Indexed by key,
    /// not searched: a hostile --cpuinfo can list a million CPUs, each
    /// different, and a linear search per CPU would take hours.
    public var groups: [CPUGroup] {
        struct Key: Hashable {
            var vendorID: String
            var signature: CPUSignature
            var platforms: PlatformFlags?
            var revision: UInt32?
        }
        var groups: [CPUGroup] = []
        var index: [Key: Int] = [:]
        for cpu in cpus.sorted(by: { $0.number < $1.number }) {
            let key = Key(vendorID: cpu.vendorID, signature: cpu.signature, platforms: cpu.platforms, revision: cpu.revision)
            if let found = index[key] {
                groups[found].cpus.append(cpu.number)
            } else {
                index[key] = groups.count
                groups.append(CPUGroup(vendorID: cpu.vendorID, signature: cpu.signature, family: cpu.family, model: cpu.model,
                                       stepping: cpu.stepping, platforms: cpu.platforms, revision: cpu.revision, cpus: [cpu.number]))
            }
        }
        return groups
    }

    /// Signatures whose logical CPUs do not all run one revision (indexed,
    /// as `groups` is, to stay linear on hostile input).
    public var mixedRevisions: [MixedRevisions] {
        var bySignature: [CPUSignature: [(revision: UInt32?, cpus: [Int])]] = [:]
        var revisionIndex: [CPUSignature: [UInt32?: Int]] = [:]
        for cpu in cpus.sorted(by: { $0.number < $1.number }) {
            if let found = revisionIndex[cpu.signature, default: [:]][cpu.revision] {
                bySignature[cpu.signature, default: []][found].cpus.append(cpu.number)
            } else {
                revisionIndex[cpu.signature, default: [:]][cpu.revision] = bySignature[cpu.signature, default: []].count
                bySignature[cpu.signature, default: []].append((cpu.revision, [cpu.number]))
            }
        }
        return bySignature.keys.sorted().compactMap { signature in
            guard let revisions = bySignature[signature], revisions.count > 1 else { return nil }
            return MixedRevisions(signature: signature, revisions: revisions)
        }
    }

    /// What to build for: each distinct CPU of a vendor we know.
    public var targets: [CPUTarget] {
        var targets: [CPUTarget] = []
        var seen: Set<CPUTarget> = []
        for cpu in cpus {
            guard let vendor = cpu.vendor else { continue }
            let target = CPUTarget(signature: cpu.signature, platforms: vendor == .intel ? cpu.platforms : nil, vendor: vendor)
            if seen.insert(target).inserted { targets.append(target) }
        }
        return targets
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
