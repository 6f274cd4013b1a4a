import Foundation

/// Where the board engine records the cards it changes (the core, which stores and publishes them).
public protocol BoardRecorder: Sendable {
    /// Stores the cards and their history lines, publishes their events, returns them as saved.
    func recordCards(_ changes: [CardChange], by person: String) async throws -> [Card]
}

/// Ties the board to delivery: links commits to the cards they mention, follows the builds that
/// contain them and the images each environment runs, and moves cards as their changes ship
/// (`BoardRules`). Inputs arrive through `notify` and are handled one at a time, in order, on the
/// engine's own task, so a `git log` never holds up the build or fleet engine that reported a change.
public actor BoardEngine {
    public enum Input: Sendable {
        case build(BuildRecord)
        case fleet(FleetRow)
        /// Time passed: a card may have been healthy in prod long enough.
        case tick
        /// Cards were created or imported: commits built before them may mention them.
        case cardsAdded
    }

    let config: WorkspaceConfig
    let store: any Store
    let clock: any ShipdeckClock
    let commitLog: any CommitLog
    public nonisolated let rules: BoardRules
    private var recorder: (any BoardRecorder)?
    /// Builds whose commits were scanned, by id.
    private var scanned: Set<Int64> = []
    /// What each service runs in each environment, by `service/environment`.
    private var delivered: [String: DeliveredService] = [:]
    private let inputs: AsyncStream<Input>
    private let inputContinuation: AsyncStream<Input>.Continuation
    private var loop: Task<Void, Never>?
    private var timer: Task<Void, Never>?
    /// How many commits back a build's history is scanned for card ids.
    public static let scanDepth = 500
    /// How many of each service's newest builds a starting engine scans.
    public static let buildsScannedAtStart = 5

    public init(config: WorkspaceConfig, store: any Store, clock: any ShipdeckClock, commitLog: any CommitLog = GitCommitLog()) {
        self.config = config
        self.store = store
        self.clock = clock
        self.commitLog = commitLog
        rules = BoardRules(board: config.board, environments: config.environments)
        (inputs, inputContinuation) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
    }

    public func attach(_ recorder: any BoardRecorder) { self.recorder = recorder }

    /// Starts handling inputs on the engine's task; `snapshot` gives the fleet and builds as they are now.
    public func start(from snapshot: WorkspaceSnapshot) {
        guard loop == nil else { return }
        for row in snapshot.fleet { observe(row) }
        // A restarted core links what changed while it was down: the newest builds of each service again.
        for pipelines in snapshot.pipelines {
            for build in pipelines.builds.prefix(Self.buildsScannedAtStart).reversed() { inputContinuation.yield(.build(build)) }
        }
        let stream = inputs
        loop = Task { [weak self] in
            for await input in stream {
                guard let self else { return }
                await self.handle(input)
            }
        }
    }

    public func stop() {
        inputContinuation.finish()
        loop?.cancel()
        timer?.cancel()
        loop = nil
        timer = nil
    }

    /// Queues an input; returns at once.
    public nonisolated func notify(_ input: Input) { inputContinuation.yield(input) }

    /// Handles one input now (the engine's task does this for queued inputs; tests call it directly).
    public func handle(_ input: Input) async {
        switch input {
        case .build(let build):
            await link(build)
        case .fleet(let row):
            guard observe(row) else { return }
            await evaluate(services: [row.service])
        case .tick:
            await evaluate(services: nil)
        case .cardsAdded:
            await relinkBuilt()
        }
    }

    /// What `service` runs in `environment`, as the board last saw it.
    public func delivery(service: String, environment: String) -> DeliveredService? { delivered["\(service)/\(environment)"] }

    // MARK: Linking

    /// Scans again, for cards made after their commits were built, each service's newest build and
    /// the builds its environments run now (so where a change runs is known at once).
    private func relinkBuilt() async {
        for service in config.services {
            guard let builds = try? await store.recentBuilds(service: service.name, limit: Self.buildsScannedAtStart) else { continue }
            let running = Set(config.environments.compactMap { lookup(service.name, $0.name)?.build })
            for (index, build) in builds.enumerated().reversed() where index == 0 || running.contains(build.number) {
                await link(build, again: true)
            }
        }
    }

    /// Scans the build's history for card ids once per build (`again`: even if it was scanned) and
    /// adds the build to every linked commit it contains.
    private func link(_ build: BuildRecord, again: Bool = false) async {
        guard again || !scanned.contains(build.id), !build.commit.isEmpty, let service = config.service(named: build.service) else { return }
        scanned.insert(build.id)
        let repo = URL(fileURLWithPath: service.repo, relativeTo: config.directory).standardizedFileURL
        guard let history = try? commitLog.commits(repo: repo, upTo: build.commit, limit: Self.scanDepth) else { return }
        var mentions: [String: [CommitInfo]] = [:]
        for commit in history {
            for id in CardMentions.ids(in: commit.message, prefix: config.cardPrefix) { mentions[id, default: []].append(commit) }
        }
        guard !mentions.isEmpty, let cards = try? await store.cards() else { return }
        var changes: [CardChange] = []
        for card in cards {
            guard let commits = mentions[card.id] else { continue }
            var next = card
            var added: [String] = []
            for commit in commits.reversed() {
                if let index = next.commits.firstIndex(where: { $0.sha == commit.sha && $0.service == build.service }) {
                    if !next.commits[index].builds.contains(build.number) {
                        next.commits[index].builds.append(build.number)
                        next.commits[index].builds.sort()
                    }
                } else {
                    next.commits.append(CardCommit(service: build.service, sha: commit.sha, subject: commit.subject, author: commit.author,
                                                   builds: [build.number]))
                    added.append(String(commit.sha.prefix(8)))
                }
            }
            if !next.services.contains(build.service) { next.services.append(build.service) }
            let change = added.isEmpty ? nil : "linked \(build.service) commit\(added.count == 1 ? "" : "s") \(added.joined(separator: ", ")) (built in \(build.name))"
            let moved = rules.apply(to: next, fleet: lookup, now: clock.now)
            let final = moved?.card ?? next
            guard final != card else { continue }
            changes.append(CardChange(final, [change, moved?.change].compactMap { $0 }.joined(separator: "; ").nilIfEmpty))
        }
        await record(changes)
    }

    // MARK: Delivery

    /// Folds a fleet row into what runs where; true when its image or health changed.
    @discardableResult
    private func observe(_ row: FleetRow) -> Bool {
        let key = "\(row.service)/\(row.environment)"
        let serving = row.instances.filter(\.active)
        let healthy = !serving.isEmpty && serving.allSatisfy { $0.state == .healthy }
        let build = row.image.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } }
        let old = delivered[key]
        var next = DeliveredService(image: row.image, build: build, healthySince: nil)
        if healthy { next.healthySince = (old?.image == row.image ? old?.healthySince : nil) ?? clock.now }
        delivered[key] = next
        return old != next
    }

    private func lookup(_ service: String, _ environment: String) -> DeliveredService? { delivered["\(service)/\(environment)"] }

    /// Applies the rules to the linked cards (of `services`, or all) and records what changed.
    private func evaluate(services: Set<String>?) async {
        guard let cards = try? await store.cards() else { return }
        let now = clock.now
        var changes: [CardChange] = []
        for card in cards where !card.commits.isEmpty {
            if let services, !card.commits.contains(where: { services.contains($0.service) }) { continue }
            if let change = rules.apply(to: card, fleet: lookup, now: now) { changes.append(change) }
        }
        await record(changes)
        scheduleTimer(cards: cards, changes: changes)
    }

    private func record(_ changes: [CardChange]) async {
        guard !changes.isEmpty, let recorder else { return }
        _ = try? await recorder.recordCards(changes, by: "board")
    }

    /// Wakes the engine when the first card waiting in prod is due for Done; nothing runs until then.
    private func scheduleTimer(cards: [Card], changes: [CardChange]) {
        let changed = Dictionary(changes.map { ($0.card.id, $0.card) }, uniquingKeysWith: { $1 })
        let due = cards.compactMap { rules.doneDue(for: changed[$0.id] ?? $0, fleet: lookup) }.min()
        timer?.cancel()
        timer = nil
        guard let due, clock is SystemClock else { return }
        let wait = max(0.05, due.timeIntervalSince(clock.now) + 0.05)
        timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            guard !Task.isCancelled else { return }
            self?.notify(.tick)
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
