import Foundation

/// Makes and records a service's images. An image is what one build produced, frozen: the build's
/// artifacts (archives unpacked) — or, for a build without artifacts, its commit's files — copied to
/// `.shipdeck/images/SERVICE/NUMBER/`, made read-only and digested. A tag is recorded once and never
/// rebuilt or changed.
struct ImageRegistry: Sendable {
    let config: WorkspaceConfig
    let store: any Store
    let clock: any ShipdeckClock

    func directory(service: String, number: Int) -> URL {
        ShipdeckPaths.stateDirectory(in: config.directory).appendingPathComponent("images/\(service)/\(number)", isDirectory: true)
    }

    /// The image of `build`, made and recorded the first time it is asked for.
    func image(of build: BuildRecord, runtime: any InstanceRuntime, log: @Sendable (String) -> Void) async throws -> ImageRecord {
        let tag = "\(build.service):\(build.number)"
        if let existing = try await store.image(tag: tag) {
            log("image \(tag) is already recorded (\(existing.digest)); deploying it unchanged")
            return existing
        }
        guard let service = config.service(named: build.service) else {
            throw ShipdeckError(.notFound, "there is no service '\(build.service)' in shipdeck.yml")
        }
        let final = directory(service: build.service, number: build.number)
        let staging = final.deletingLastPathComponent().appendingPathComponent(".\(build.number).staging-\(getpid())")
        let files = FileManager.default
        try? makeWritable(staging)
        try? files.removeItem(at: staging)
        try files.createDirectory(at: staging, withIntermediateDirectories: true)
        let artifacts = ShipdeckPaths.stateDirectory(in: config.directory).appendingPathComponent("builds/\(build.service)/\(build.number)/artifacts")
        var copied = 0
        if let jobs = try? files.contentsOfDirectory(atPath: artifacts.path), !jobs.isEmpty {
            for job in jobs.sorted() {
                copied += try copyTree(artifacts.appendingPathComponent(job), into: staging)
            }
            log("image \(tag): \(copied) artifact file\(copied == 1 ? "" : "s") from the build")
        } else {
            let repo = URL(fileURLWithPath: service.repo, relativeTo: config.directory).standardizedFileURL
            try ProcessRunner().run("sh", ["-c", "git -C \"$0\" archive --format=tar \"$1\" | tar -x -C \"$2\"", repo.path, build.commit, staging.path],
                                    in: config.directory)
            log("image \(tag): no artifacts, so the files of commit \(build.commit.prefix(8))")
        }
        try unpackArchives(in: staging)
        let digest = try Self.digest(of: staging)
        try? makeWritable(final)
        try? files.removeItem(at: final)
        try files.moveItem(at: staging, to: final)
        try makeReadOnly(final)
        let reference = try await runtime.prepare(service: build.service, buildNumber: build.number, releaseDirectory: final)
        let image = ImageRecord(service: build.service, buildNumber: build.number, commit: build.commit, message: build.message,
                                createdAt: clock.now, runtime: runtime.kind.rawValue, reference: reference, digest: digest)
        try await store.recordImage(image)
        log("image \(tag) recorded: \(digest)")
        return image
    }

    private func copyTree(_ source: URL, into destination: URL) throws -> Int {
        guard let walker = FileManager.default.enumerator(atPath: source.path) else { return 0 }
        var count = 0
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let from = source.appendingPathComponent(relative)
            guard FileManager.default.fileExists(atPath: from.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let to = destination.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: to)
            try FileManager.default.copyItem(at: from, to: to)
            count += 1
        }
        return count
    }

    /// Unpacks `.tar.gz`, `.tgz` and `.tar` files at the top of the release in place (a packaged release).
    private func unpackArchives(in directory: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.sorted() {
            let path = directory.appendingPathComponent(name)
            let flags: String
            if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") { flags = "-xzf" } else if name.hasSuffix(".tar") { flags = "-xf" } else { continue }
            try ProcessRunner().run("tar", [flags, path.path, "-C", directory.path], in: directory)
        }
        // Archives nested one level (e.g. build/orders-12.tar.gz) unpack at the top too.
        for name in names.sorted() {
            var isDirectory: ObjCBool = false
            let sub = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: sub.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for inner in ((try? FileManager.default.contentsOfDirectory(atPath: sub.path)) ?? []).sorted()
            where inner.hasSuffix(".tar.gz") || inner.hasSuffix(".tgz") {
                try ProcessRunner().run("tar", ["-xzf", sub.appendingPathComponent(inner).path, "-C", directory.path], in: directory)
            }
        }
    }

    private func makeReadOnly(_ directory: URL) throws {
        try ProcessRunner().run("chmod", ["-R", "a-w", directory.path], in: config.directory)
    }

    private func makeWritable(_ directory: URL) throws {
        guard FileManager.default.fileExists(atPath: directory.path) else { return }
        try ProcessRunner().run("chmod", ["-R", "u+w", directory.path], in: config.directory)
    }

    /// `fnv1a64:…` over every file's relative path and bytes, in path order.
    static func digest(of directory: URL) throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
        }
        let walker = FileManager.default.enumerator(atPath: directory.path)
        var paths: [String] = []
        while let relative = walker?.nextObject() as? String { paths.append(relative) }
        for relative in paths.sorted() {
            var isDirectory: ObjCBool = false
            let path = directory.appendingPathComponent(relative).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            mix(relative.utf8)
            mix([0])
            mix(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return "fnv1a64:" + String(hash, radix: 16)
    }
}
