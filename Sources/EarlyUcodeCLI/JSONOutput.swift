// The reports' JSON, written here rather than by Foundation's JSONEncoder:
// linking FoundationEssentials adds about 20,000 relocations (0.4M
// instructions) to every start of the binary, `--version` included, for one
// encoder. The text is what JSONEncoder writes with [.prettyPrinted,
// .sortedKeys, .withoutEscapingSlashes] (swift-foundation 6.x): two-space
// indent, `"key" : value`, keys in UTF-8 byte order, an empty array or
// object as an open line, an empty line and the close. The golden files and
// JSONOutputTests hold it to that.

import EarlyUcode

/// One JSON value, as the reports encode into it.
indirect enum JSONValue {
    case string(String)
    /// The number's text, as it is written.
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// `value` encoded through its `Encodable` conformance.
    static func encoding(_ value: some Encodable) throws -> JSONValue {
        let slot = JSONSlot()
        try JSONTreeEncoder(slot: slot, codingPath: []).encode(value)
        return slot.value ?? .object([:])
    }

    /// The pretty, sorted text, without a final newline.
    var text: String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .string(let string): JSONValue.quote(string, to: &out)
        case .number(let text): out += text
        case .bool(let flag): out += flag ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "[\n"
            for (index, item) in items.enumerated() {
                if index > 0 { out += ",\n" }
                JSONValue.pad(&out, indent + 2)
                item.write(to: &out, indent: indent + 2)
            }
            out += "\n"
            JSONValue.pad(&out, indent)
            out += "]"
        case .object(let members):
            out += "{\n"
            // UTF-8 byte order, as JSONEncoder's .sortedKeys.
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += ",\n" }
                JSONValue.pad(&out, indent + 2)
                JSONValue.quote(key, to: &out)
                out += " : "
                members[key]?.write(to: &out, indent: indent + 2)
            }
            out += "\n"
            JSONValue.pad(&out, indent)
            out += "}"
        }
    }

    private static func pad(_ out: inout String, _ count: Int) {
        out += String(repeating: " ", count: count)
    }

    /// RFC 8259 escaping as JSONEncoder does it: the two-character escapes
    /// where JSON has them, `\u00XX` (lower-case hex) for the other control
    /// characters, everything else (`/`, DEL, non-ASCII) as it is.
    static func quote(_ string: String, to out: inout String) {
        out += "\""
        var plainStart = string.unicodeScalars.startIndex
        let scalars = string.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let escape: String?
            switch scalar {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            case "\u{8}": escape = "\\b"
            case "\u{c}": escape = "\\f"
            default:
                if scalar.value < 0x20 {
                    escape = "\\u" + Hex.padded(String(scalar.value, radix: 16), to: 4)
                } else {
                    escape = nil
                }
            }
            if let escape {
                out.unicodeScalars.append(contentsOf: scalars[plainStart..<index])
                out += escape
                plainStart = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        out.unicodeScalars.append(contentsOf: scalars[plainStart..<scalars.endIndex])
        out += "\""
    }
}

/// Where one value goes while it is encoded: containers nest slots, and the
/// tree is read out once encoding has finished. Members and elements are
/// appended in place (kept outside the enum, which would copy its array on
/// every append).
private final class JSONSlot {
    enum Kind { case empty, value(JSONValue), object, array }
    var kind = Kind.empty
    private var members: [(String, JSONSlot)] = []
    private var items: [JSONSlot] = []

    var count: Int { items.count }

    var value: JSONValue? {
        switch kind {
        case .empty: nil
        case .value(let value): value
        case .object:
            // A later key replaces an earlier one, as in JSONEncoder.
            .object(Dictionary(members.compactMap { key, slot in slot.value.map { (key, $0) } },
                               uniquingKeysWith: { _, last in last }))
        case .array: .array(items.map { $0.value ?? .null })
        }
    }

    func member(_ key: String) -> JSONSlot {
        becomeObject()
        let slot = JSONSlot()
        members.append((key, slot))
        return slot
    }

    func element() -> JSONSlot {
        becomeArray()
        let slot = JSONSlot()
        items.append(slot)
        return slot
    }

    func set(_ value: JSONValue) { kind = .value(value) }
    func becomeObject() { if case .object = kind {} else { kind = .object } }
    func becomeArray() { if case .array = kind {} else { kind = .array } }
}

private struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

private struct JSONTreeEncoder: Encoder {
    let slot: JSONSlot
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.becomeObject()
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        slot.becomeArray()
        return JSONUnkeyedContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleContainer(slot: slot, codingPath: codingPath)
    }

    /// Scalars directly, anything else through its own `encode(to:)`.
    func encode(_ value: some Encodable) throws {
        if let scalar = try JSONTreeEncoder.scalar(value, codingPath: codingPath) {
            slot.set(scalar)
        } else {
            try value.encode(to: self)
        }
    }

    static func scalar(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONValue? {
        switch value {
        case let string as String: return .string(string)
        case let flag as Bool: return .bool(flag)
        case let number as any BinaryInteger: return .number(String(describing: number))
        case let number as Double: return try .number(text(number, codingPath))
        case let number as Float: return try .number(text(Double(number), codingPath))
        default: return nil
        }
    }

    /// Integral values without a fraction, as JSONEncoder writes them; the
    /// reports hold none, but a number must never come out as `nan`.
    private static func text(_ number: Double, _ codingPath: [any CodingKey]) throws -> String {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "\(number) is not a JSON number"))
        }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return String(Int64(number)) }
        return number.description
    }
}

private struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: JSONSlot
    var codingPath: [any CodingKey]

    private func put(_ value: some Encodable, _ key: Key) throws {
        try JSONTreeEncoder(slot: slot.member(key.stringValue), codingPath: codingPath + [key]).encode(value)
    }

    mutating func encodeNil(forKey key: Key) throws { slot.member(key.stringValue).set(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try put(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try put(value, key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try put(value, key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = slot.member(key.stringValue)
        child.becomeObject()
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(slot: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = slot.member(key.stringValue)
        child.becomeArray()
        return JSONUnkeyedContainer(slot: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        JSONTreeEncoder(slot: slot.member("super"), codingPath: codingPath + [JSONKey(stringValue: "super")])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONTreeEncoder(slot: slot.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let slot: JSONSlot
    var codingPath: [any CodingKey]
    var count: Int { slot.count }

    private func next() -> JSONTreeEncoder {
        JSONTreeEncoder(slot: slot.element(), codingPath: codingPath + [JSONKey(intValue: count)])
    }

    mutating func encodeNil() throws { slot.element().set(.null) }
    mutating func encode(_ value: Bool) throws { try next().encode(value) }
    mutating func encode(_ value: String) throws { try next().encode(value) }
    mutating func encode(_ value: Double) throws { try next().encode(value) }
    mutating func encode(_ value: Float) throws { try next().encode(value) }
    mutating func encode(_ value: Int) throws { try next().encode(value) }
    mutating func encode(_ value: Int8) throws { try next().encode(value) }
    mutating func encode(_ value: Int16) throws { try next().encode(value) }
    mutating func encode(_ value: Int32) throws { try next().encode(value) }
    mutating func encode(_ value: Int64) throws { try next().encode(value) }
    mutating func encode(_ value: UInt) throws { try next().encode(value) }
    mutating func encode(_ value: UInt8) throws { try next().encode(value) }
    mutating func encode(_ value: UInt16) throws { try next().encode(value) }
    mutating func encode(_ value: UInt32) throws { try next().encode(value) }
    mutating func encode(_ value: UInt64) throws { try next().encode(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try next().encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        next().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { next().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { next() }
}

private struct JSONSingleContainer: SingleValueEncodingContainer {
    let slot: JSONSlot
    var codingPath: [any CodingKey]

    private func put(_ value: some Encodable) throws {
        try JSONTreeEncoder(slot: slot, codingPath: codingPath).encode(value)
    }

    mutating func encodeNil() throws { slot.set(.null) }
    mutating func encode(_ value: Bool) throws { try put(value) }
    mutating func encode(_ value: String) throws { try put(value) }
    mutating func encode(_ value: Double) throws { try put(value) }
    mutating func encode(_ value: Float) throws { try put(value) }
    mutating func encode(_ value: Int) throws { try put(value) }
    mutating func encode(_ value: Int8) throws { try put(value) }
    mutating func encode(_ value: Int16) throws { try put(value) }
    mutating func encode(_ value: Int32) throws { try put(value) }
    mutating func encode(_ value: Int64) throws { try put(value) }
    mutating func encode(_ value: UInt) throws { try put(value) }
    mutating func encode(_ value: UInt8) throws { try put(value) }
    mutating func encode(_ value: UInt16) throws { try put(value) }
    mutating func encode(_ value: UInt32) throws { try put(value) }
    mutating func encode(_ value: UInt64) throws { try put(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try put(value) }
}
