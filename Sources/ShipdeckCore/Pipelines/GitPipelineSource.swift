import Foundation

/// Reads a build's pipeline file from its exact commit (`git show COMMIT:PATH`), then parses and plans it.
public struct GitPipelineSource: PipelineSource {
    let git = GitRepositories()

    public init() {}

    public func plan(service: ServiceConfig, repo: URL, context: BuildContext) async throws -> BuildPlan {
        let text = try git.show(repo: repo, commit: context.commit, path: service.pipeline)
        let display = (service.repo as NSString).appendingPathComponent(service.pipeline)
        let definition = try PipelineParser.parse(text, file: display)
        return try PipelinePlanner.plan(definition, context: context)
    }
}
