import Foundation

/// Reads a build's pipeline file from its exact commit (`git show COMMIT:PATH`), then parses and plans it.
public struct GitPipelineSource: PipelineSource {
    public init() {}

    public func plan(service: ServiceConfig, repo: URL, context: BuildContext) async throws -> BuildPlan {
        let text = try Checkout.show(repo: repo, commit: context.commit, path: service.pipeline)
        let display = (service.repo as NSString).appendingPathComponent(service.pipeline)
        let definition = try PipelineParser.parse(text, file: display)
        return try PipelinePlanner.plan(definition, context: context)
    }
}

extension Checkout {
    /// The text of `path` at `commit`.
    public static func show(repo: URL, commit: String, path: String) throws -> String {
        do {
            return try git.run("git", ["-C", repo.path, "show", "\(commit):\(path)"], in: repo).text
        } catch {
            throw ShipdeckError(.notFound, "\(path) does not exist at commit \(commit.prefix(8)) of \(repo.lastPathComponent)", field: path,
                                hint: "commit a pipeline file there, or set `pipeline:` for the service in shipdeck.yml")
        }
    }
}
