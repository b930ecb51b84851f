/// A microcode member (or a bare blob) with what is inside it.
public struct InspectedMember: Sendable {
    /// Nil for a bare blob, which is the whole file.
    public var member: MicrocodeMember?
    public var vendor: Vendor
    public var dataOffset: Int
    public var size: Int
    public var intel: [IntelUpdate] = []
    public var amd: [AMDContainer] = []
    /// The first malformed byte and why: Linux drops a whole Intel file for
    /// it; Xen stops there.
    public var problem: InputError?
    /// The member's bytes, for the loader models.
    var data: [UInt8]

    public var name: String { member?.member.name ?? "(whole file)" }

    /// Powers of two up to a page: 16 is what Intel's loader needs.
    public var dataAlignment: Int {
        guard dataOffset != 0 else { return 4096 }
        return min(4096, 1 << dataOffset.trailingZeroBitCount)
    }
}

/// What the loaders take for one CPU.
public struct CPUPredictions: Sendable {
    public var cpu: InspectedCPU
    /// The generic models (Linux 6.1's and Xen 4.17's rules, no binary).
    public var linux: LoadPrediction
    public var xen: LoadPrediction
    /// One per loader binary given, in that order.
    public var loaders: [LoadPrediction]
}

/// What `inspect` finds: the image's layout, the microcode in it, and what
/// each loader would take for each CPU.
public struct ImageInspection: Sendable {
    public var image: BootImage
    public var members: [InspectedMember]
    public var cpus: [InspectedCPU]
    /// Per CPU: what each loader takes.
    public var predictions: [CPUPredictions]
    /// For the compressed part (`image.compressedPart`): whether microcode hides inside it.
    public var compressedPeek: CompressedPeek.Result?
    public var notes: [String]

    /// Microcode members are small; a larger one is damage or a trap.
    public static let memberLimit = FileIO.defaultReadLimit
    public static let totalMemberLimit = 4 * FileIO.defaultReadLimit

    /// `loaders`: the models of the binaries that will boot (kernels, Xens),
    /// each predicted for besides the generic Linux and Xen models.
    public static func inspect(path: String, cpus: [InspectedCPU], loaders: [LoaderModel] = []) throws(InputError) -> ImageInspection {
        let file = try ImageFile(path: path)
        return try inspect(file, cpus: cpus, loaders: loaders)
    }

    public static func inspect(_ file: ImageFile, cpus: [InspectedCPU], loaders: [LoaderModel] = []) throws(InputError) -> ImageInspection {
        let image = try BootImage.read(file)
        var members: [InspectedMember] = []
        var notes = image.notes

        switch image.kind {
        case .empty:
            notes.append("the file is empty")
        case .bareBlob(let vendor):
            guard file.size <= memberLimit else {
                throw InputError(path: file.path, offset: 0, .image(.blobTooLarge(size: file.size, limit: memberLimit)))
            }
            let data = try file.read(at: 0, count: file.size)
            members.append(parse(data: data, vendor: vendor, dataOffset: 0, member: nil, path: file.path))
            notes.append("a bare \(vendor.rawValue) microcode blob, not a cpio archive: the early loaders and ucode=scan find nothing in it; Xen's ucode=<n> would use it as shown")
        case .initrd:
            // Every member is parsed, shadowed ones too; a hostile image of many large ones must not exhaust memory.
            let total = image.microcode.reduce(0) { $0 + $1.member.dataSize }
            guard total <= totalMemberLimit else {
                throw InputError(path: file.path, .image(.membersTooLarge(count: image.microcode.count, total: total, limit: totalMemberLimit)))
            }
            for member in image.microcode {
                let entry = member.member
                guard entry.dataSize <= memberLimit else {
                    throw InputError(path: file.path, offset: entry.offset, .image(.memberTooLarge(name: entry.name, size: entry.dataSize, limit: memberLimit)))
                }
                let data = try file.read(at: entry.dataOffset, count: entry.dataSize)
                let inspected = parse(data: data, vendor: member.vendor, dataOffset: entry.dataOffset, member: member, path: file.path)
                if member.vendor == .intel, member.isUsed, inspected.dataAlignment < 16 {
                    notes.append("\(entry.name) data at offset \(entry.dataOffset) is not 16-byte aligned: Intel's loader needs it aligned")
                }
                if !member.isEarly, member.isUsed {
                    notes.append("\(entry.name) is in the uncompressed main archive, not an early archive; the loaders still find it")
                }
                members.append(inspected)
            }
        }

        // The compressed part, whether it comes first or after uncompressed cpio archives (Debian 13).
        var peek: CompressedPeek.Result?
        if let compressed = image.compressedPart {
            let result = CompressedPeek.peek(file, at: compressed.offset)
            peek = result
            if case .microcodeInside(let name) = result {
                notes.append("the compressed archive at offset \(compressed.offset) holds \(name): compressed, no early loader reads it")
            }
        }

        var predictions: [CPUPredictions] = []
        for cpu in cpus {
            predictions.append(CPUPredictions(
                cpu: cpu,
                linux: predict(.generic(.linux), cpu, image, members),
                xen: predict(.generic(.xen), cpu, image, members),
                loaders: loaders.map { predict($0, cpu, image, members) }))
        }
        return ImageInspection(image: image, members: members, cpus: cpus, predictions: predictions, compressedPeek: peek, notes: notes)
    }

    static func predict(_ model: LoaderModel, _ cpu: InspectedCPU, _ image: BootImage, _ members: [InspectedMember]) -> LoadPrediction {
        var prediction = predictWithoutBinary(model, cpu, image, members)
        prediction.version = model.version
        prediction.binary = model.binary
        return prediction
    }

    private static func predictWithoutBinary(_ model: LoaderModel, _ cpu: InspectedCPU, _ image: BootImage, _ members: [InspectedMember]) -> LoadPrediction {
        let loader = model.loader
        switch image.kind {
        case .empty:
            return LoadPrediction(loader: loader, cpu: cpu, candidate: nil, reason: "the file is empty")
        case .bareBlob(let vendor):
            guard loader == .xen, vendor == cpu.vendor, let blob = members.first else {
                return LoadPrediction(loader: loader, cpu: cpu, candidate: nil, reason:
                    loader == .linux ? "a bare blob is not a cpio archive: Linux's early loader finds nothing" : "a bare \(vendor.rawValue) blob has nothing for this vendor")
            }
            var prediction = model.predict(cpu: cpu, data: blob.data, base: 0)
            prediction.notes.append("only as ucode=<n> naming this module; ucode=scan finds nothing in a bare blob")
            return prediction
        case .initrd:
            guard let used = members.first(where: { $0.member?.vendor == cpu.vendor && $0.member?.isUsed == true }),
                  let member = used.member
            else {
                return LoadPrediction(loader: loader, cpu: cpu, candidate: nil, reason:
                    "no \(cpu.vendor.archiveMember) in the uncompressed cpio part")
            }
            if member.member.dataSize == 0 {
                return LoadPrediction(loader: loader, cpu: cpu, candidate: nil, reason: "\(member.member.name) is empty")
            }
            return model.predict(cpu: cpu, data: used.data, base: used.dataOffset)
        }
    }

    /// Reads every update in the member, stopping at the first malformed
    /// one (kept as the member's problem, with its offset in the image).
    static func parse(data: [UInt8], vendor: Vendor, dataOffset: Int, member: MicrocodeMember?, path: String) -> InspectedMember {
        var inspected = InspectedMember(member: member, vendor: vendor, dataOffset: dataOffset, size: data.count, data: data)
        let bytes = data[...]
        var offset = 0
        let memberName = member?.member.name ?? ""
        do {
            while offset < bytes.endIndex {
                switch vendor {
                case .intel:
                    let update = try IntelUpdate.parse(bytes, at: offset, path: path)
                    inspected.intel.append(update)
                    offset += update.totalSize
                case .amd:
                    let (container, next) = try AMDContainer.parse(bytes, at: offset, path: path)
                    inspected.amd.append(container)
                    offset = next
                }
            }
        } catch {
            inspected.problem = InputError(path: path, offset: dataOffset + error.offset, .image(.inMember(name: memberName, error.problem)))
        }
        return inspected
    }

    /// The first malformed microcode member, if any: what `inspect` exits 1 for.
    public var firstProblem: InputError? { members.lazy.compactMap(\.problem).first }
}
