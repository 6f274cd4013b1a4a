/// The latencies of the last `capacity` requests, in nanoseconds, in a fixed ring: recording is one
/// store and one increment (no allocation after `init`); percentiles sort a copy when asked.
struct LatencyWindow: Sendable {
    private var samples: [UInt64]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int = 4096) {
        precondition(capacity > 0, "a latency window needs room for at least one sample")
        samples = Array(repeating: 0, count: capacity)
    }

    mutating func record(nanoseconds: UInt64) {
        samples[next] = nanoseconds
        next += 1
        if next == samples.count { next = 0 }
        if count < samples.count { count += 1 }
    }

    /// The recorded samples, oldest order not kept.
    var values: ArraySlice<UInt64> { samples[0..<count] }

    /// Nearest-rank percentiles (0...1) of `values`, in seconds; 0 when there are no samples.
    static func percentiles(_ values: [UInt64], _ ranks: [Double]) -> [Double] {
        guard !values.isEmpty else { return ranks.map { _ in 0 } }
        let sorted = values.sorted()
        return ranks.map { rank in
            let index = min(sorted.count - 1, max(0, Int((rank * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1_000_000_000
        }
    }
}
