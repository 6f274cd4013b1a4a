import NIOCore
import Synchronization

/// The proxy's state as one event loop sees it: a copy of the routing table and that loop's
/// counters, behind one mutex that only this loop's connections take on the hot path (so it is
/// uncontended; `route(to:)`, `stats()` and `inFlight(instanceID:)` take it briefly from outside).
///
/// Choosing a backend and counting the request in flight happen in one critical section, so once
/// `route(to:)` has returned, no request can still be about to start on an old instance without
/// already showing in `inFlight(instanceID:)`: a deployer that waits for 0 there cannot miss one.
final class ProxyLoopState: Sendable {
    /// What `begin` decided for a new request on a connection bound to some backend (or none).
    enum Pick {
        /// Keep the connection's backend; it is still routed (now under `generation`).
        case keep(generation: UInt64)
        /// Close the connection's upstream and connect to this backend instead.
        case use(RoutedBackend, generation: UInt64)
        /// No backend is routed at all.
        case none
    }

    private struct State {
        var generation: UInt64 = 0
        var backends: [RoutedBackend] = []
        var requests: UInt64 = 0
        var errors: UInt64 = 0
        var inFlight = 0
        var perInstance: [String: Int] = [:]
        var latencies = LatencyWindow()
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    private let state = Mutex(State())
    /// Shared by all loops of one proxy, so connections spread evenly whatever loop they land on.
    private let cursor: RoundRobinCursor

    init(cursor: RoundRobinCursor) {
        self.cursor = cursor
    }

    // MARK: Hot path (the owning event loop)

    /// Counts a new request in flight and picks its backend. `bound` is the backend the client
    /// connection uses now and `generation` the routing generation it was checked against.
    func begin(bound: ProxyBackend?, generation: UInt64) -> Pick {
        state.withLock { state in
            state.inFlight += 1
            if let bound, generation == state.generation {
                state.perInstance[bound.instanceID, default: 0] += 1
                return .keep(generation: generation)
            }
            if state.backends.isEmpty { return .none }
            if let bound, state.backends.contains(where: { $0.backend == bound }) {
                state.perInstance[bound.instanceID, default: 0] += 1
                return .keep(generation: state.generation)
            }
            let next = state.backends[cursor.next() % state.backends.count]
            state.perInstance[next.backend.instanceID, default: 0] += 1
            return .use(next, generation: state.generation)
        }
    }

    /// The connection to `failed` was refused: moves the request's in-flight mark to the next
    /// routed backend not in `tried`, or drops it and returns nil when none is left.
    func retry(failed: ProxyBackend, tried: [ProxyBackend]) -> (RoutedBackend, generation: UInt64)? {
        state.withLock { state in
            state.perInstance[failed.instanceID, default: 1] -= 1
            let candidates = state.backends.filter { !tried.contains($0.backend) }
            guard !candidates.isEmpty else { return nil }
            let next = candidates[cursor.next() % candidates.count]
            state.perInstance[next.backend.instanceID, default: 0] += 1
            return (next, state.generation)
        }
    }

    /// A request finished (its response ended, or its client or backend went away).
    func finish(instance: String?, startedAt: UInt64, now: UInt64, isError: Bool) {
        let latency = now &- startedAt
        state.withLock { state in
            state.requests += 1
            if isError { state.errors += 1 }
            state.inFlight -= 1
            if let instance { state.perInstance[instance, default: 1] -= 1 }
            state.latencies.record(nanoseconds: latency)
        }
    }

    // MARK: Per connection

    func register(_ channel: any Channel) {
        state.withLock { $0.connections[ObjectIdentifier(channel)] = channel }
    }

    func unregister(_ channel: any Channel) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var connections: [any Channel] { state.withLock { Array($0.connections.values) } }

    // MARK: From outside the loop

    /// Installs a new routing table; instances no longer routed and with nothing in flight are forgotten.
    func route(_ backends: [RoutedBackend], generation: UInt64) {
        state.withLock { state in
            state.backends = backends
            state.generation = generation
            state.perInstance = state.perInstance.filter { entry in
                entry.value != 0 || backends.contains { $0.backend.instanceID == entry.key }
            }
        }
    }

    func inFlight(instanceID: String) -> Int {
        state.withLock { $0.perInstance[instanceID] ?? 0 }
    }

    /// Counters and the latency window's samples, for `ServiceProxy.stats()`.
    func snapshot() -> (requests: UInt64, errors: UInt64, inFlight: Int, latencies: [UInt64]) {
        state.withLock { ($0.requests, $0.errors, $0.inFlight, Array($0.latencies.values)) }
    }
}

/// The round-robin position shared by a proxy's event loops; taken once per backend choice (a new
/// client connection, a switch or a retry), never per request on a bound connection.
final class RoundRobinCursor: Sendable {
    private let position = Atomic<Int>(0)

    func next() -> Int {
        position.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
    }
}
