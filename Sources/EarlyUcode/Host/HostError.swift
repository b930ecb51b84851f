/// What is wrong with `/proc/cpuinfo` or a sysfs file.
public enum HostError: Sendable, Equatable, CustomStringConvertible {
    /// A one-value sysfs file (`processor_flags`, `version`).
    case expectedHexValue(found: String)
    case expectedKeyValue(found: String)
    case noKey
    case keyTwice(String)
    case noCPUs
    case processorTwice(Int)
    case missingField(String)
    case badNumber(key: String, value: String, range: ClosedRange<Int>)
    case noSignature(family: Int, model: Int, stepping: Int)
    case badRevision(String)
    /// `/proc/sys/kernel/tainted`.
    case badTaint(String)

    public var description: String {
        switch self {
        case .expectedHexValue(let text): "expected one hexadecimal value, found \(text.debugDescription.prefix(40))"
        case .expectedKeyValue(let line): "expected 'key : value', found \(line.prefix(60).debugDescription)"
        case .noKey: "line has no key before ':'"
        case .keyTwice(let key): "\(key.prefix(40).debugDescription) appears twice for one CPU"
        case .noCPUs: "no CPUs listed"
        case .processorTwice(let number): "processor \(number) is listed twice"
        case .missingField(let key): "CPU block has no '\(key)' line (not an x86 /proc/cpuinfo?)"
        case .badNumber(let key, let value, let range):
            "'\(key)' is \(value.prefix(40).debugDescription), expected a number in \(range.lowerBound)...\(range.upperBound)"
        case .noSignature(let family, let model, let stepping):
            "family \(family), model \(model), stepping \(stepping) do not form a CPU signature"
        case .badRevision(let value): "'microcode' is \(value.prefix(40).debugDescription), expected a hexadecimal revision"
        case .badTaint(let text): "expected a decimal taint mask, found \(text.prefix(40).debugDescription)"
        }
    }
}
