import Foundation
import NIOCore
import NIOPosix
import ShipdeckCore

// The `health` mode: the health checker (HTTPCheckClient) against given HTTP targets, each result
// applied to a Nagios check state (CheckState) as the fleet does. scripts/bench-health.sh runs it
// against the same nginx targets as Nagios 4 + check_http and compares.
//
// Three scenarios, each measured with getrusage(RUSAGE_SELF) (user + system CPU of this process,
// all threads) over its window, after a warm-up that opens the keep-alive connections:
//   fixed  checks launched at a fixed rate (--rate per second) for --seconds
//   max    --concurrency checks always in flight for --seconds: the sustained maximum
//   fleet  --instances instances, each checked every --interval seconds (first checks spread over
//          the interval as Nagios does), for --fleet-seconds after one interval of warm-up, once per
//          tick in --fleet-ticks
// Checks are driven by one loop with bounded concurrency (a task group: a check is a child task,
// its result comes back to the loop, which applies it to that instance's CheckState). The loop
// wakes every --tick seconds and starts the checks due by then together (Nagios' scheduler works in
// whole seconds). It runs on Swift's default executor (`global`, as an actor's code would) or on an
// event loop (`loop`: EventLoopTaskExecutor, where the checks' connections then live too).
// Prints one `health SCENARIO executor=E tick=T key=value…` line per run on stdout.
//
//   shipdeck-bench health --target HOST:PORT[-LASTPORT] [--target …] [--path /health] [--timeout 2]
//                         [--rate 1000] [--seconds 10] [--concurrency 64] [--instances 1000]
//                         [--interval 10] [--fleet-seconds 20] [--only fixed|max|fleet]
//                         [--executor global|loop|both] [--tick 0.1] [--fleet-ticks 0.1,1]

@available(macOS 15.0, *)  // EventLoopTaskExecutor is a TaskExecutor
enum HealthBench {
    struct Target: Sendable {
        var host: String
        var port: Int
    }

    struct Settings {
        var targets: [Target] = []
        var path = "/health"
        var timeout = 2.0
        var rate = 1_000
        var seconds = 10.0
        var concurrency = 64
        var instances = 1_000
        var interval = 10.0
        var fleetSeconds = 20.0
        var only: String?
        /// Where the checking loop runs: `global` (the default concurrent executor, like an actor's
        /// code) or `loop` (an event loop, via EventLoopTaskExecutor); `both` runs each scenario twice.
        var executors = ["global", "loop"]
        /// The driving loop's scheduling granularity in seconds: checks due within a tick start together
        /// (Nagios schedules in whole seconds).
        var tick = 0.1
        /// The ticks the fleet scenario runs with, each in turn (default: `tick` and Nagios' 1 s).
        var fleetTicks: [Double]?
    }

    static func usage() -> Never {
        print("usage: shipdeck-bench health --target HOST:PORT[-LASTPORT] [--target …] [--path /health] [--timeout 2]")
        print("                             [--rate 1000] [--seconds 10] [--concurrency 64] [--instances 1000]")
        print("                             [--interval 10] [--fleet-seconds 20] [--only fixed|max|fleet]")
        print("                             [--executor global|loop|both (default both)] [--tick 0.1]")
        print("                             [--fleet-ticks 0.1,1 (default: --tick and 1)]")
        exit(2)
    }

    static func parse(_ arguments: [String]) -> Settings {
        var settings = Settings()
        var it = arguments.makeIterator()
        func number(_ text: String?) -> Double {
            guard let text, let value = Double(text), value > 0 else { usage() }
            return value
        }
        while let argument = it.next() {
            switch argument {
            case "--target":
                let value = it.next() ?? ""
                guard let colon = value.lastIndex(of: ":") else { usage() }
                let host = String(value[..<colon])
                let ports = value[value.index(after: colon)...].split(separator: "-").compactMap { Int($0) }
                guard let first = ports.first, let last = ports.last, first <= last, (1...65535).contains(first), last <= 65535 else { usage() }
                settings.targets += (first...last).map { Target(host: host, port: $0) }
            case "--path": settings.path = it.next() ?? settings.path
            case "--timeout": settings.timeout = number(it.next())
            case "--rate": settings.rate = Int(number(it.next()))
            case "--seconds": settings.seconds = number(it.next())
            case "--concurrency": settings.concurrency = Int(number(it.next()))
            case "--instances": settings.instances = Int(number(it.next()))
            case "--interval": settings.interval = number(it.next())
            case "--fleet-seconds": settings.fleetSeconds = number(it.next())
            case "--only": settings.only = it.next()
            case "--tick": settings.tick = number(it.next())
            case "--fleet-ticks":
                let ticks = (it.next() ?? "").split(separator: ",").compactMap { Double($0) }.filter { $0 > 0 }
                guard !ticks.isEmpty else { usage() }
                settings.fleetTicks = ticks            case "--executor":
                switch it.next() {
                case "global": settings.executors = ["global"]
                case "loop": settings.executors = ["loop"]
                case "both": settings.executors = ["global", "loop"]
                default: usage()
                }
            case "-h", "--help": usage()
            default:
                FileHandle.standardError.write(Data("health: unknown argument \(argument)\n".utf8))
                usage()
            }
        }
        guard !settings.targets.isEmpty else { usage() }
        return settings
    }

    static func run(_ arguments: [String]) -> Never {
        let settings = parse(arguments)
        do {
            try runBlocking { try await runScenarios(settings) }
        } catch {
            FileHandle.standardError.write(Data("health: \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }

    // MARK: Measurement

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    struct Tally {
        var checks = 0
        var failures = 0
        var lastFailure: String?
        var latencies: [Double] = []

        mutating func add(_ result: ProbeResult, keepLatency: Bool) {
            checks += 1
            if !result.passed {
                failures += 1
                lastFailure = result.detail
            }
            if keepLatency { latencies.append(result.duration) }
        }

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        }
    }

    /// The instances' check states, owned by the driving loop.
    struct Fleet {
        let targets: [Target]
        let policy: CheckPolicy
        var states: [CheckState]

        init(targets: [Target], instances: Int, interval: Double) {
            self.targets = targets
            policy = CheckPolicy(checkInterval: interval, retryInterval: max(1, interval / 2), maxCheckAttempts: 3)
            states = Array(repeating: CheckState(policy: policy), count: instances)
        }

        func target(_ instance: Int) -> Target { targets[instance % targets.count] }

        mutating func apply(_ instance: Int, _ result: ProbeResult, at date: Date) {
            let check = CheckResult(status: result.status, output: result.detail, duration: result.duration, at: date)
            states[instance].apply(check, policy: policy, at: date)
        }
    }

    enum Event: Sendable {
        case result(Int, ProbeResult)
        case tick
    }

    // MARK: Scenarios

    /// How the driving loop waits: `Task.sleep`, or the event loop's own timer when it runs there.
    struct Pacer: Sendable {
        let executor: EventLoopTaskExecutor?

        func sleep(until deadline: NIODeadline) async {
            if let executor {
                try? await executor.sleep(until: deadline)
            } else {
                let delay = deadline - .now()
                if delay > .zero { try? await Task.sleep(nanoseconds: UInt64(delay.nanoseconds)) }
            }
        }
    }

    static func runScenarios(_ settings: Settings) async throws {
        let client = HTTPCheckClient()
        let timeout = Duration.milliseconds(Int(settings.timeout * 1000))
        func wanted(_ name: String) -> Bool { settings.only.map { $0 == name } ?? true }
        let describeTargets = "\(settings.targets.count) target(s), \(settings.targets.first!.host):\(settings.targets.first!.port)…"
        FileHandle.standardError.write(Data("health: \(describeTargets), path \(settings.path), \(System.coreCount) cores\n".utf8))
        let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())

        for mode in settings.executors {
            let pacer = Pacer(executor: mode == "loop" ? executor : nil)
            // Connections move to the loop that runs the checks: start each mode from none.
            client.closeIdleConnections()
            try? await Task.sleep(for: .milliseconds(100))

            if wanted("fixed") {
                var fleet = Fleet(targets: settings.targets, instances: settings.instances, interval: settings.interval)
                let (tally, cpu, wall) = await withTaskExecutorPreference(pacer.executor) {
                    _ = await fixedRate(client, &fleet, pacer, path: settings.path, timeout: timeout, rate: settings.rate, seconds: 1,
                                        concurrency: settings.concurrency, tick: settings.tick)
                    let cpu0 = cpuSeconds()
                    let started = NIODeadline.now()
                    let tally = await fixedRate(client, &fleet, pacer, path: settings.path, timeout: timeout, rate: settings.rate,
                                                seconds: settings.seconds, concurrency: settings.concurrency, tick: settings.tick)
                    return (tally, cpuSeconds() - cpu0, seconds(NIODeadline.now() - started))
                }
                report("fixed", mode, tick: settings.tick, tally, cpu: cpu, wall: wall, client: client,
                       extra: "rate=\(settings.rate) concurrency=\(settings.concurrency)")
            }

            if wanted("max") {
                var fleet = Fleet(targets: settings.targets, instances: settings.instances, interval: settings.interval)
                let (tally, cpu, wall) = await withTaskExecutorPreference(pacer.executor) {
                    _ = await saturate(client, &fleet, path: settings.path, timeout: timeout, seconds: 1, concurrency: settings.concurrency)
                    let cpu0 = cpuSeconds()
                    let started = NIODeadline.now()
                    let tally = await saturate(client, &fleet, path: settings.path, timeout: timeout, seconds: settings.seconds,
                                               concurrency: settings.concurrency)
                    return (tally, cpuSeconds() - cpu0, seconds(NIODeadline.now() - started))
                }
                report("max", mode, tick: nil, tally, cpu: cpu, wall: wall, client: client, extra: "concurrency=\(settings.concurrency)")
            }

            for tick in settings.fleetTicks ?? (settings.tick == 1 ? [1] : [settings.tick, 1]) where wanted("fleet") {
                var fleet = Fleet(targets: settings.targets, instances: settings.instances, interval: settings.interval)
                let (tally, cpu, wall) = await withTaskExecutorPreference(pacer.executor) {
                    await schedule(client, &fleet, pacer, path: settings.path, timeout: timeout, interval: settings.interval,
                                   warmup: settings.interval, seconds: settings.fleetSeconds, concurrency: settings.concurrency,
                                   tick: tick)
                }
                let settled = fleet.states.filter { $0.status == .ok && $0.stateType == .hard && $0.lastCheck != nil }.count
                report("fleet", mode, tick: tick, tally, cpu: cpu, wall: wall, client: client,
                       extra: "instances=\(settings.instances) interval=\(settings.interval) hard_ok=\(settled)")
            }
        }
        client.closeIdleConnections()
    }

    static func seconds(_ amount: TimeAmount) -> Double {
        Double(amount.nanoseconds) / 1e9
    }

    static func report(_ scenario: String, _ mode: String, tick: Double?, _ tally: Tally, cpu: Double, wall: Double,
                       client: HTTPCheckClient, extra: String) {
        let perCheck = tally.checks > 0 ? cpu / Double(tally.checks) * 1e6 : 0
        let tick = tick.map { "\($0)" } ?? "-"
        print(String(format: "health %@ executor=%@ tick=%@ %@ checks=%d failures=%d cpu=%.6f wall=%.3f per_check_us=%.2f checks_per_s=%.1f core_percent=%.3f p50_ms=%.3f p99_ms=%.3f connections=%d",
                     scenario, mode, tick, extra, tally.checks, tally.failures, cpu, wall, perCheck, Double(tally.checks) / wall,
                     cpu / wall * 100, tally.percentile(0.5) * 1000, tally.percentile(0.99) * 1000, client.openConnections))
        if let failure = tally.lastFailure {
            FileHandle.standardError.write(Data("health \(scenario) (\(mode)): \(tally.failures) failed check(s), last: \(failure)\n".utf8))
        }
    }

    /// Launches `rate` checks per second (those due start together every `tick` seconds) for `seconds`,
    /// at most `concurrency` in flight.
    static func fixedRate(_ client: HTTPCheckClient, _ fleet: inout Fleet, _ pacer: Pacer, path: String, timeout: Duration, rate: Int,
                          seconds: Double, concurrency: Int, tick: Double) async -> Tally {
        let total = Int(Double(rate) * seconds)
        let start = NIODeadline.now()
        let tick = TimeAmount.nanoseconds(Int64(tick * 1e9))
        var tally = Tally()
        tally.latencies.reserveCapacity(total)
        var launched = 0
        var inFlight = 0
        var nextTick = start
        await withTaskGroup(of: Event.self) { group in
            group.addTask { .tick }
            while let event = await group.next() {
                switch event {
                case .result(let instance, let result):
                    inFlight -= 1
                    fleet.apply(instance, result, at: Date())
                    tally.add(result, keepLatency: true)
                case .tick:
                    nextTick = nextTick + tick
                    if launched < total {
                        let deadline = nextTick
                        group.addTask {
                            await pacer.sleep(until: deadline)
                            return .tick
                        }
                    }
                }
                // Checks due by now (the schedule, not the ticks, sets the rate), within the bound.
                let due = min(total, Int(Self.seconds(NIODeadline.now() - start) * Double(rate)))
                while launched < due && inFlight < concurrency {
                    let instance = launched % fleet.states.count
                    let target = fleet.target(instance)
                    group.addTask { .result(instance, await client.check(host: target.host, port: target.port, path: path, timeout: timeout)) }
                    launched += 1
                    inFlight += 1
                }
                if launched == total && inFlight == 0 { group.cancelAll(); break }
            }
        }
        return tally
    }

    /// Keeps `concurrency` checks in flight for `seconds`.
    static func saturate(_ client: HTTPCheckClient, _ fleet: inout Fleet, path: String, timeout: Duration, seconds: Double,
                         concurrency: Int) async -> Tally {
        let end = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
        var tally = Tally()
        var launched = 0
        await withTaskGroup(of: Event.self) { group in
            func launch() {
                let instance = launched % fleet.states.count
                let target = fleet.target(instance)
                group.addTask { .result(instance, await client.check(host: target.host, port: target.port, path: path, timeout: timeout)) }
                launched += 1
            }
            for _ in 0..<concurrency { launch() }
            var stopping = false
            while let event = await group.next() {
                guard case .result(let instance, let result) = event else { continue }
                fleet.apply(instance, result, at: Date())
                tally.add(result, keepLatency: tally.latencies.count < 2_000_000)
                if !stopping && NIODeadline.now() >= end { stopping = true }
                if !stopping { launch() }
            }
        }
        return tally
    }

    /// Checks every instance every `interval` seconds (retries of SOFT problems sooner), first checks
    /// spread over the interval, those due within a `tick` started together; measures CPU over
    /// `seconds` after `warmup`.
    static func schedule(_ client: HTTPCheckClient, _ fleet: inout Fleet, _ pacer: Pacer, path: String, timeout: Duration,
                         interval: Double, warmup: Double, seconds: Double, concurrency: Int, tick: Double) async -> (Tally, Double, Double) {
        let tick = TimeAmount.nanoseconds(Int64(tick * 1e9))
        let start = NIODeadline.now()
        let spreading = CheckSpreading(checkCount: fleet.states.count, interval: interval)
        var queue = DueQueue()
        // When each instance's running check was due: the next is due an interval after that (a fixed
        // cadence, as Nagios schedules from the planned time, not from when the result came).
        var dueAt = [NIODeadline](repeating: start, count: fleet.states.count)
        for instance in fleet.states.indices {
            queue.push(start + .nanoseconds(Int64(spreading.firstCheckOffset(index: instance) * 1e9)), instance)
        }
        let measureFrom = start + .milliseconds(Int64(warmup * 1000))
        let end = measureFrom + .milliseconds(Int64(seconds * 1000))
        var measuring = false
        var cpu0 = 0.0
        var tally = Tally()
        var inFlight = 0
        var tickPending = false
        await withTaskGroup(of: Event.self) { group in
            group.addTask { .tick }
            tickPending = true
            while let event = await group.next() {
                let now = NIODeadline.now()
                switch event {
                case .result(let instance, let result):
                    inFlight -= 1
                    fleet.apply(instance, result, at: Date())
                    if measuring { tally.add(result, keepLatency: true) }
                    let delay = fleet.states[instance].nextCheckDelay(policy: fleet.policy)
                    queue.push(max(now, dueAt[instance] + .milliseconds(Int64(delay * 1000))), instance)
                case .tick:
                    tickPending = false
                }
                if !measuring && now >= measureFrom {
                    measuring = true
                    cpu0 = cpuSeconds()
                }
                if now >= end { break }
                while inFlight < concurrency, let due = queue.peek, due.at <= now + .milliseconds(1) {
                    _ = queue.pop()
                    dueAt[due.instance] = due.at
                    let target = fleet.target(due.instance)
                    let instance = due.instance
                    group.addTask { .result(instance, await client.check(host: target.host, port: target.port, path: path, timeout: timeout)) }
                    inFlight += 1
                }
                // Sleep until the tick in which the next check is due (or the window ends); results wake the
                // loop too, and are what it waits for while the bound holds checks back.
                if !tickPending && !(inFlight >= concurrency && (queue.peek?.at ?? end) <= now) {
                    let next = queue.peek?.at ?? end
                    let slot = start + .nanoseconds(((next - start).nanoseconds + tick.nanoseconds - 1) / tick.nanoseconds * tick.nanoseconds)
                    let wake = min(slot, end)
                    group.addTask {
                        await pacer.sleep(until: wake)
                        return .tick
                    }
                    tickPending = true
                }
            }
            group.cancelAll()
        }
        let cpu = cpuSeconds() - cpu0
        return (tally, cpu, Self.seconds(end - measureFrom))
    }

    /// A binary min-heap of (due instant, instance).
    struct DueQueue {
        private var heap: [(at: NIODeadline, instance: Int)] = []

        var peek: (at: NIODeadline, instance: Int)? { heap.first }

        mutating func push(_ at: NIODeadline, _ instance: Int) {
            heap.append((at, instance))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].at < heap[parent].at else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> (at: NIODeadline, instance: Int)? {
            guard !heap.isEmpty else { return nil }
            heap.swapAt(0, heap.count - 1)
            let top = heap.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count && heap[left].at < heap[smallest].at { smallest = left }
                if right < heap.count && heap[right].at < heap[smallest].at { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
            return top
        }
    }
}
