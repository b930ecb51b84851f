import Dispatch

enum ParallelMap {
    /// `items.map(transform)`, run on all cores: reading and checking a
    /// firmware folder is mostly copying, which scales with cores.
    /// `parallel: false` runs it here: for work of a few system calls an
    /// item, starting worker threads costs more than it saves.
    static func map<T: Sendable, R: Sendable>(_ items: [T], parallel: Bool = true, _ transform: @Sendable (T) -> R) -> [R] {
        guard items.count > 1, parallel else { return items.map(transform) }
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        // Each iteration writes only its own slot.
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            slots[index] = transform(items[index])
        }
        return results.map { $0! }
    }
}
