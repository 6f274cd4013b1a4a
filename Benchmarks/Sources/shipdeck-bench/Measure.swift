import Foundation

/// Median, p95 and minimum of repeated timings of one benchmark case.
struct Stats {
    var name: String
    var samples: [Duration]

    private var sorted: [Duration] { samples.sorted() }
    var median: Duration { percentile(0.5) }
    var p95: Duration { percentile(0.95) }
    var min: Duration { sorted.first ?? .zero }
    var max: Duration { sorted.last ?? .zero }

    func percentile(_ p: Double) -> Duration {
        let s = sorted
        guard !s.isEmpty else { return .zero }
        let index = Swift.min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))
        return s[index]
    }
}

/// How long and how often each case runs. Under load (other builds on a 2-core machine) medians of
/// many iterations and ratios against a baseline measured in the same run are what to read.
struct Budget {
    var minIterations: Int
    var maxIterations: Int
    var maxSeconds: Double
    var warmup: Int

    static let standard = Budget(minIterations: 25, maxIterations: 2_000, maxSeconds: 2.0, warmup: 3)
    static let quick = Budget(minIterations: 5, maxIterations: 200, maxSeconds: 0.3, warmup: 1)
}

/// Keeps results alive so the optimizer cannot drop the measured work.
nonisolated(unsafe) var blackHole = 0

/// Times `body` until the budget is spent: at least `minIterations`, at most `maxIterations`,
/// stopping after `maxSeconds` once the minimum is reached. `setup` runs before each iteration,
/// outside the timed region, and hands its value to `body`.
func measure<State>(_ name: String, budget: Budget, setup: () -> State, _ body: (inout State) -> Int) -> Stats {
    let clock = ContinuousClock()
    for _ in 0..<budget.warmup {
        var state = setup()
        blackHole &+= body(&state)
    }
    var samples: [Duration] = []
    let started = clock.now
    while samples.count < budget.maxIterations {
        var state = setup()
        let t0 = clock.now
        let result = body(&state)
        let t1 = clock.now
        blackHole &+= result
        samples.append(t1 - t0)
        if samples.count >= budget.minIterations && (clock.now - started) > .seconds(budget.maxSeconds) { break }
    }
    return Stats(name: name, samples: samples)
}

func measure(_ name: String, budget: Budget, _ body: () -> Int) -> Stats {
    measure(name, budget: budget, setup: { () }) { _ in body() }
}

extension Duration {
    /// Milliseconds as a Double.
    var ms: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }
}

func formatMs(_ d: Duration) -> String {
    let v = d.ms
    if v >= 100 { return String(format: "%.0f", v) }
    if v >= 10 { return String(format: "%.1f", v) }
    if v >= 0.1 { return String(format: "%.2f", v) }
    return String(format: "%.4f", v)
}

func formatRatio(_ a: Duration, over b: Duration) -> String {
    let denominator = b.ms
    guard denominator > 0 else { return "—" }
    let r = a.ms / denominator
    if r >= 100 { return String(format: "%.0f×", r) }
    if r >= 10 { return String(format: "%.1f×", r) }
    return String(format: "%.2f×", r)
}
