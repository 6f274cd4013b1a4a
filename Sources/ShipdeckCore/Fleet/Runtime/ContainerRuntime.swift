import Foundation

/// Runs each instance as an OCI container through the podman (or docker) CLI.
///
/// - Images: `prepare` builds the release directory's `Containerfile` (or `Dockerfile`) into
///   `localhost/shipdeck-SERVICE:NUMBER`, labelled `shipdeck.service` and `shipdeck.build`, and records
///   the image id, so a later build that reuses the tag cannot change what a recorded image runs.
/// - Instances: `run -d --init` (TERM reaches a program that runs as PID 1 without handlers), named
///   `shipdeck-INSTANCE-WORKSPACE`, labelled `shipdeck.service`, `.environment`, `.image` (the tag),
///   `.instance` and `.workspace`. The variables (with `PORT`) are passed by name (`-e NAME`) with their
///   values in the CLI's environment, so they never show in a process list. The image's command runs;
///   the service's `run:` is not used.
/// - Networking: a published port, `-p 127.0.0.1:PORT:PORT`, on the CLI's default network (netavark's
///   bridge for rootful podman, slirp4netns rootless). That works offline on Debian 12 as root with
///   podman 4.3 and runc, so host networking is never used: ports stay private to 127.0.0.1, and two
///   instances can't collide on a port inside their own network namespaces.
/// - OCI runtime: `--runtime runc` when runc is installed (Debian's podman otherwise looks for crun).
///   runc needs `default_ulimits = []` in containers.conf where the core's hard limits are below
///   podman's defaults (`error setting rlimit` says so).
/// - Logs: podman's `passthrough` log driver gives the container the CLI's own stdout and stderr, which
///   are `launch.logFile` opened to append: the container writes plain lines straight into the file, and
///   nothing between them can be lost when the core restarts. docker has no such driver: there a
///   `docker logs -f`, detached from the core (it outlives a restart), appends instead.
/// - Restarts: the handle keeps the container id; `liveness` reads `inspect` and removes a container
///   that exited (as reaping a child would), `stop` stops then removes, and `start` first removes a
///   leftover container of the same name, so no container outlives its instance.
public struct ContainerRuntime: InstanceRuntime {
    let cli: ContainerCLI
    /// `--runtime` for podman (runc when installed); nil leaves the CLI's default.
    let ociRuntime: String?

    public init(cli: String = "podman") {
        self.cli = ContainerCLI(program: cli)
        let runc = ["/usr/bin/runc", "/usr/sbin/runc", "/usr/local/bin/runc", "/usr/local/sbin/runc"]
        ociRuntime = runc.contains { FileManager.default.isExecutableFile(atPath: $0) } || ProcessRunner.which("runc") != nil ? "runc" : nil
    }

    public var kind: RuntimeKind { .container }

    var isPodman: Bool { URL(fileURLWithPath: cli.program).lastPathComponent.hasPrefix("podman") }

    // MARK: - Images

    /// The tag a build's image gets: `localhost/shipdeck-SERVICE:NUMBER`.
    static func tag(service: String, buildNumber: Int) -> String {
        let name = String(service.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "-" })
        return "localhost/shipdeck-\(name):\(buildNumber)"
    }

    public func prepare(service: String, buildNumber: Int, releaseDirectory: URL) async throws -> String {
        guard let file = ["Containerfile", "Dockerfile"].map({ releaseDirectory.appendingPathComponent($0) })
            .first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ShipdeckError(.invalid, "image \(service):\(buildNumber) has no Containerfile or Dockerfile, so no container image can be built from it",
                                field: "services.\(service).runtime",
                                hint: "add a Containerfile to the build's artifacts or the repo (e.g. FROM scratch, COPY a static binary, CMD it on $PORT), or use runtime: process")
        }
        let idFile = FileManager.default.temporaryDirectory.appendingPathComponent("shipdeck-iid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: idFile) }
        var arguments = ["build"]
        if isPodman, let ociRuntime { arguments += ["--runtime", ociRuntime] }
        arguments += ["-t", Self.tag(service: service, buildNumber: buildNumber), "--label", "shipdeck.service=\(service)",
                      "--label", "shipdeck.build=\(buildNumber)", "-f", file.path, "--iidfile", idFile.path, releaseDirectory.path]
        let output = try await cli.run(arguments)
        guard output.succeeded, let id = try? String(contentsOf: idFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
            throw failure("could not build the image of \(service):\(buildNumber)", output, hint: "run `\(cli.program) build \(releaseDirectory.path)` to see the whole output")
        }
        return id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id
    }

    // MARK: - Instances

    /// `shipdeck-INSTANCE-XXXXXXXX`, the suffix a digest of the workspace's state folder: two workspaces
    /// on one machine may both have an instance `web-test-1-1`.
    static func name(of launch: InstanceLaunch) -> String {
        var hash: UInt32 = 0x811c_9dc5
        for byte in workspace(of: launch).utf8 {
            hash ^= UInt32(byte)
            hash &*= 0x0100_0193
        }
        let id = String(launch.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" ? $0 : "-" })
        return "shipdeck-\(id)-" + String(format: "%08x", hash)
    }

    /// The workspace's state folder (the log file is `STATE/instances/ID.log`).
    static func workspace(of launch: InstanceLaunch) -> String {
        launch.logFile.deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The arguments of `run` (the image last).
    func runArguments(_ launch: InstanceLaunch, name: String) -> [String] {
        var arguments = ["run", "-d", "--init", "--name", name]
        if isPodman {
            if let ociRuntime { arguments += ["--runtime", ociRuntime] }
            arguments += ["--log-driver", "passthrough"]
        }
        let labels = [("service", launch.service), ("environment", launch.environment), ("image", launch.image.tag),
                      ("instance", launch.id), ("workspace", Self.workspace(of: launch))]
        for (key, value) in labels { arguments += ["--label", "shipdeck.\(key)=\(value)"] }
        arguments += ["-p", "127.0.0.1:\(launch.port):\(launch.port)"]
        for key in launch.variables.keys.sorted() { arguments += ["-e", key] }
        arguments.append(launch.image.reference)
        return arguments
    }

    public func start(_ launch: InstanceLaunch) async throws -> InstanceHandle {
        try FileManager.default.createDirectory(at: launch.logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let name = Self.name(of: launch)
        _ = try await cli.run(["rm", "-f", name])  // a leftover of this instance (a crash before it was recorded)
        let id: String
        if isPodman {
            let before = Self.size(of: launch.logFile)
            let output = try await cli.run(runArguments(launch, name: name), environment: launch.variables, appendingTo: launch.logFile)
            guard output.succeeded else {
                var said = output
                said.text = Self.text(of: launch.logFile, from: before)
                throw failure("could not start \(launch.id)", said, hint: hint(for: said.text))
            }
            let inspect = try await cli.run(["inspect", "--format", "{{.Id}}", name])
            guard inspect.succeeded, !inspect.lastLine.isEmpty else { throw failure("\(launch.id) started but could not be found", inspect, hint: nil) }
            id = inspect.lastLine
        } else {
            let output = try await cli.run(runArguments(launch, name: name), environment: launch.variables)
            guard output.succeeded, !output.lastLine.isEmpty else { throw failure("could not start \(launch.id)", output, hint: hint(for: output.text)) }
            id = output.lastLine
            // Detached into its own session by the subshell: it outlives the core and ends with the container.
            _ = try await cli.run(["-c", "(exec \"$0\" logs -f \"$1\" >>\"$2\" 2>&1 </dev/null &)", try cli.executable().path, id, launch.logFile.path],
                                  executableOverride: "/bin/sh")
        }
        return InstanceHandle(container: id)
    }

    public func liveness(_ handle: InstanceHandle) async -> InstanceLiveness {
        guard let id = handle.container else { return .exited("no container") }
        guard let output = try? await cli.run(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}", id]) else {
            return .running  // the CLI could not run this time: no reason to call the instance dead
        }
        guard output.succeeded else { return output.notFound ? .exited("the container is gone") : .running }
        let fields = output.lastLine.split(separator: " ").map(String.init)
        guard let status = fields.first else { return .running }
        if ["running", "paused", "created", "configured", "initialized", "restarting", "stopping"].contains(status) { return .running }
        let code = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
        let how = fields.count > 2 && fields[2] == "true" ? "killed: out of memory"
            : code > 128 ? "killed by signal \(code - 128)" : "exited with status \(code)"
        _ = try? await cli.run(["rm", "-f", id])
        return .exited(how)
    }

    public func stop(_ handle: InstanceHandle, grace: Duration) async {
        guard let id = handle.container else { return }
        let (seconds, attoseconds) = grace.components
        let timeout = max(0, Int((Double(seconds) + Double(attoseconds) / 1e18).rounded(.up)))
        _ = try? await cli.run(["stop", "-t", String(timeout), id])
        _ = try? await cli.run(["rm", "-f", id])
    }

    public func usage(_ handle: InstanceHandle) async -> ResourceUsage? {
        guard let id = handle.container else { return nil }
        if isPodman {
            guard let output = try? await cli.run(["stats", "--no-stream", "--format", "{{.CPUNano}} {{.ContainerStats.MemUsage}}", id]),
                  output.succeeded else { return nil }
            let fields = output.lastLine.split(separator: " ")
            guard fields.count == 2, let nanoseconds = Double(fields[0]), let bytes = Int64(fields[1]) else { return nil }
            return ResourceUsage(cpuSeconds: nanoseconds / 1e9, memoryBytes: bytes)
        }
        // docker reports a percentage and a human size ("0.15% 1.5MiB / 7.7GiB"), not CPU time.
        guard let output = try? await cli.run(["stats", "--no-stream", "--format", "{{.CPUPerc}} {{.MemUsage}}", id]),
              output.succeeded else { return nil }
        let fields = output.lastLine.split(separator: " ")
        guard fields.count >= 2, let percent = Double(fields[0].dropLast(fields[0].hasSuffix("%") ? 1 : 0)),
              let bytes = Self.bytes(String(fields[1])) else { return nil }
        return ResourceUsage(cpuSeconds: 0, memoryBytes: bytes, cpuPercent: percent)
    }

    // MARK: - Helpers

    /// `1.5MiB`, `774.1kB`, `12B` → bytes.
    static func bytes(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
                                         ("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1)]
        for (unit, factor) in units where text.hasSuffix(unit) {
            guard let number = Double(text.dropLast(unit.count)) else { return nil }
            return Int64((number * factor).rounded())
        }
        return Double(text).map { Int64($0) }
    }

    private func failure(_ what: String, _ output: ContainerCLI.Output, hint: String?) -> ShipdeckError {
        let said = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return ShipdeckError(.io, "\(what): \(cli.program) exited with status \(output.status)" + (said.isEmpty ? "" : ": \(said.suffix(2000))"),
                             field: "fleet.container_cli", hint: hint ?? "run the command by hand to see what is wrong")
    }

    private func hint(for text: String) -> String {
        if text.contains("rlimit") {
            return "set `default_ulimits = []` under [containers] in /etc/containers/containers.conf (runc cannot raise the limits here)"
        }
        if text.lowercased().contains("image not known") || text.lowercased().contains("no such image") {
            return "the image was removed from \(cli.program)'s storage: rebuild the service to make a new one"
        }
        if text.contains("address already in use") { return "another program holds the port; the next start picks a new one" }
        return "run `\(cli.program) run` by hand with the same image to see what is wrong"
    }

    private static func size(of file: URL) -> UInt64 {
        (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? UInt64) ?? 0
    }

    private static func text(of file: URL, from offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }
}
