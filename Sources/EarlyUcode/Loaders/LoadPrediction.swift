/// The two early loaders whose choices differ.
public enum BootLoader: String, Sendable, CaseIterable, Codable {
    /// Linux's early loader (Debian 12: 6.1).
    case linux
    /// Xen 4.17's `ucode=scan` (the image as module 1).
    case xen

    public var name: String { self == .linux ? "Linux" : "Xen" }
}

/// A CPU to predict for, with its running revision when it is this host's.
public struct InspectedCPU: Sendable, Equatable, CustomStringConvertible {
    public var signature: CPUSignature
    /// Intel platform flags; nil when unknown (any platform is assumed).
    public var platforms: PlatformFlags?
    public var vendor: Vendor
    public var runningRevision: UInt32?
    public var isHost: Bool

    public init(signature: CPUSignature, platforms: PlatformFlags? = nil, vendor: Vendor? = nil,
                runningRevision: UInt32? = nil, isHost: Bool = false) {
        self.signature = signature
        self.platforms = platforms
        // Signatures do not collide: AMD parts with microcode are family 0x10 and up, Intel's are 6 or 0xf.
        self.vendor = vendor ?? (signature.family >= 0x10 ? .amd : .intel)
        self.runningRevision = runningRevision
        self.isHost = isHost
    }

    public var description: String {
        var text = "\(signature)"
        if vendor == .intel, let platforms { text += " pf \(platforms)" }
        return text
    }
}

public enum RevisionComparison: String, Sendable, Codable {
    case newer, equal, older
}

/// One update or patch a loader would take.
public struct LoadCandidate: Sendable, Equatable {
    public var revision: UInt32
    public var date: MicrocodeDate
    /// Where the update (Intel) or patch section (AMD) starts in the image.
    public var offset: Int
    public var size: Int
}

/// What one loader would do for one CPU with the image.
public struct LoadPrediction: Sendable {
    public var loader: BootLoader
    public var cpu: InspectedCPU
    public var candidate: LoadCandidate?
    /// Why nothing is taken, or how the candidate was found.
    public var reason: String
    public var notes: [String] = []

    /// The candidate against the CPU's running revision (loaders compare
    /// revisions as unsigned numbers).
    public var comparison: RevisionComparison? {
        guard let candidate, let running = cpu.runningRevision else { return nil }
        if candidate.revision > running { return .newer }
        return candidate.revision == running ? .equal : .older
    }

    /// Whether the loader writes the candidate to the CPU: Intel loaders
    /// only go forward; AMD's reload the running patch too.
    public var applies: Bool? {
        guard let comparison else { return nil }
        switch comparison {
        case .newer: return true
        case .equal: return cpu.vendor == .amd
        case .older: return false
        }
    }
}

/// The selection rules of Linux 6.1's and Xen 4.17's early loaders, over
/// the bytes of the member they found (from Linux
/// arch/x86/kernel/cpu/microcode/{intel,amd}.c and Xen
/// xen/arch/x86/cpu/microcode/{intel,amd}.c).
public enum LoaderModel {
    /// `data` is the member's data; `base` its offset in the image.
    public static func predict(_ loader: BootLoader, cpu: InspectedCPU, data: [UInt8], base: Int) -> LoadPrediction {
        switch (loader, cpu.vendor) {
        case (.linux, .intel): linuxIntel(cpu, data, base)
        case (.xen, .intel): xenIntel(cpu, data, base)
        case (.linux, .amd): linuxAMD(cpu, data, base)
        case (.xen, .amd): xenAMD(cpu, data, base)
        }
    }

    // MARK: Intel

    /// Linux: the highest matching revision, wherever it is; one malformed
    /// update (or a tail too short for a header) and the whole file is
    /// dropped.
    static func linuxIntel(_ cpu: InspectedCPU, _ data: [UInt8], _ base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .linux, cpu: cpu, candidate: nil, reason: "")
        let cpuPlatforms = cpu.platforms ?? .anyPlatform
        var best: IntelUpdate?
        var offset = 0
        let bytes = data[...]
        while offset < bytes.endIndex {
            do {
                let update = try IntelUpdate.parse(bytes, at: offset, path: "")
                if update.matches(cpu.signature, cpuPlatforms), best.map({ update.revision > $0.revision }) ?? true {
                    best = update
                }
                offset += update.totalSize
            } catch {
                prediction.reason = "rejects the whole file: offset \(base + error.offset): \(error.reason)"
                return prediction
            }
        }
        prediction.candidate = best.map { LoadCandidate(revision: $0.revision, date: $0.date, offset: base + $0.bytes.startIndex, size: $0.totalSize) }
        prediction.reason = best == nil ? "no update for this CPU" : "highest matching revision"
        if cpu.platforms == nil { prediction.notes.append("platform flags unknown: any platform assumed") }
        return prediction
    }

    /// Xen: the highest revision whose signature and platform bits match;
    /// it stops at the first malformed update and keeps what it found.
    static func xenIntel(_ cpu: InspectedCPU, _ data: [UInt8], _ base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .xen, cpu: cpu, candidate: nil, reason: "")
        let cpuPlatforms = (cpu.platforms ?? .anyPlatform).rawValue
        var best: IntelUpdate?
        var offset = 0
        var stopped: String?
        let bytes = data[...]
        while offset < bytes.endIndex {
            do {
                let update = try IntelUpdate.parse(bytes, at: offset, path: "")
                let fits = update.signatures.contains { $0.signature == cpu.signature && ($0.platforms.rawValue & cpuPlatforms) != 0 }
                if fits, best.map({ update.revision > $0.revision }) ?? true { best = update }
                offset += update.totalSize
            } catch {
                stopped = "stops at offset \(base + error.offset): \(error.reason)"
                break
            }
        }
        prediction.candidate = best.map { LoadCandidate(revision: $0.revision, date: $0.date, offset: base + $0.bytes.startIndex, size: $0.totalSize) }
        switch (best, stopped) {
        case (nil, let stop?): prediction.reason = stop
        case (nil, nil): prediction.reason = "no update for this CPU"
        case (_?, let stop?): prediction.reason = "highest matching revision before it " + stop
        case (_?, nil): prediction.reason = "highest matching revision"
        }
        if cpu.platforms == nil { prediction.notes.append("platform flags unknown: any platform assumed") }
        return prediction
    }

    // MARK: AMD

    static let containerMagic = AMDContainer.magic
    static let patchHeaderSize = 64

    /// Linux: containers in order; the first whose table names the CPU and
    /// that holds a patch for it is used, and in it the *last* matching
    /// patch. A damaged section ends that container's scan.
    static func linuxAMD(_ cpu: InspectedCPU, _ data: [UInt8], _ base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .linux, cpu: cpu, candidate: nil, reason: "no patch for this CPU")
        let family = cpu.signature.family
        guard family >= 0x10 else {
            prediction.reason = "Linux loads no microcode on AMD family \(Hex.byte(UInt32(family)))"
            return prediction
        }
        let reader = LittleEndian(data)
        var position = 0
        var containers = 0
        while position < data.count {
            guard data.count - position > 12, reader.u32(position) == containerMagic, reader.u32(position + 4) == 0,
                  let length = reader.u32(position + 8).map(Int.init), length >= EquivalenceEntry.size,
                  data.count - position - 12 >= length
            else {
                if containers == 0 { prediction.reason = "no valid AMD container at offset \(base + position)" }
                break
            }
            containers += 1
            var equivalenceID: UInt16 = 0
            for entry in stride(from: position + 12, to: position + 12 + length - EquivalenceEntry.size + 1, by: EquivalenceEntry.size)
            where reader.u32(entry) == cpu.signature.rawValue {
                equivalenceID = reader.u16(entry + 12) ?? 0
                break
            }
            var section = position + 12 + length
            var found: LoadCandidate?
            while section < data.count {
                guard data.count - section >= 8, reader.u32(section) == 1, let size = reader.u32(section + 4).map(Int.init),
                      size >= patchHeaderSize, data.count - section - 8 >= size
                else { break }
                // Linux caps patch sizes only for families before 0x15.
                if family < 0x15 {
                    let cap = family == 0x14 ? 1824 : (0x10...0x12).contains(family) ? 2048 : 0
                    if size > cap { break }
                }
                let patch = section + 8
                if reader.u32(patch + 16) != 0 || reader.u32(patch + 20) != 0 { break }
                let revisionID = reader.u16(patch + 24) ?? 0
                if 0xf + Int(revisionID >> 12) == family, revisionID == equivalenceID, let id = reader.u32(patch + 4),
                   let date = reader.u32(patch) {
                    found = LoadCandidate(revision: id, date: MicrocodeDate(date), offset: base + section, size: size)
                }
                section = patch + size
            }
            if let found {
                prediction.candidate = found
                prediction.reason = "last matching patch of the first container that has one (container \(containers), offset \(base + position))"
                break
            }
            position = section
        }
        if prediction.candidate != nil, (0x17...0x1a).contains(family) {
            prediction.notes.append("on Zen CPUs newer kernels load only patches whose SHA-256 they know (Entrysign fix)")
        }
        return prediction
    }

    /// Xen 4.17: every container's table must end with the all-zero entry;
    /// the CPU's equivalence id is taken from the first table naming it;
    /// the *highest* matching patch wins; oversized patches are skipped; a
    /// damaged section stops the scan (keeping what was found).
    static func xenAMD(_ cpu: InspectedCPU, _ data: [UInt8], _ base: Int) -> LoadPrediction {
        var prediction = LoadPrediction(loader: .xen, cpu: cpu, candidate: nil, reason: "no patch for this CPU")
        let family = cpu.signature.family
        guard family >= 0x10 else {
            prediction.reason = "Xen loads no microcode on AMD family \(Hex.byte(UInt32(family)))"
            return prediction
        }
        let reader = LittleEndian(data)
        var position = 0
        var equivalenceID: UInt16?
        var best: LoadCandidate?
        var stopped: String?
        scan: while position < data.count {
            guard data.count - position >= 4, reader.u32(position) == containerMagic else {
                stopped = "stops at offset \(base + position): not an AMD container (\"Wrong microcode patch file magic\")"
                break
            }
            let table = position + 4
            guard data.count - table >= 8, reader.u32(table) == 0, let length = reader.u32(table + 4).map(Int.init),
                  data.count - table - 8 >= length, length >= EquivalenceEntry.size, length % EquivalenceEntry.size == 0,
                  reader.u32(table + 8 + length - EquivalenceEntry.size) == 0
            else {
                stopped = "stops at offset \(base + table): \"Bad equivalent cpu table\" (Xen 4.17 needs the all-zero last entry)"
                break
            }
            var named = false
            var entry = table + 8
            while entry < table + 8 + length, let cpuField = reader.u32(entry), cpuField != 0 {
                if cpuField == cpu.signature.rawValue {
                    let id = reader.u16(entry + 12) ?? 0
                    if let known = equivalenceID, known != id {
                        stopped = "stops at offset \(base + entry): \"Equiv mismatch\" (an earlier table maps \(cpu.signature) to \(Hex.short(UInt32(known))))"
                        break scan
                    }
                    equivalenceID = id
                    named = true
                    break
                }
                entry += EquivalenceEntry.size
            }
            position = table + 8 + length
            while position < data.count {
                guard data.count - position >= 8, reader.u32(position) == 1, let size = reader.u32(position + 4).map(Int.init),
                      data.count - position - 8 >= size, size >= patchHeaderSize
                else {
                    stopped = "stops at offset \(base + position): \"Bad microcode data\""
                    break scan
                }
                let patch = position + 8
                if named, let equivalenceID {
                    let limit = Selection.xenPatchSizeLimit(family: family)
                    let revisionID = reader.u16(patch + 24) ?? 0
                    if size > limit {
                        if revisionID == equivalenceID {
                            prediction.notes.append("skips the patch at offset \(base + position): \(size) bytes, over its \(limit)-byte limit for family \(Hex.byte(UInt32(family)))")
                        }
                    } else if revisionID == equivalenceID, let id = reader.u32(patch + 4), let date = reader.u32(patch),
                              best.map({ id > $0.revision }) ?? true {
                        best = LoadCandidate(revision: id, date: MicrocodeDate(date), offset: base + position, size: size)
                    }
                }
                position = patch + size
                if data.count - position >= 4, reader.u32(position) == containerMagic { break }
            }
        }
        prediction.candidate = best
        switch (best, stopped) {
        case (nil, let stop?): prediction.reason = stop
        case (nil, nil): prediction.reason = equivalenceID == nil ? "no equivalence table names this CPU" : "no patch for this CPU"
        case (_?, let stop?): prediction.reason = "highest matching patch before it " + stop
        case (_?, nil): prediction.reason = "highest matching patch of all containers"
        }
        if best != nil, (0x17...0x1a).contains(family) {
            prediction.notes.append("Xen 4.17.6 and later load it only if its SHA-256 is in Xen's list (Entrysign fix)")
        }
        return prediction
    }
}

/// Bounds-checked little-endian reads that answer nil past the end, for
/// scans that mirror C code and stop where it would.
struct LittleEndian {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    func u16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }
}
