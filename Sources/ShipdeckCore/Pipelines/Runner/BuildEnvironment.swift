import Foundation

/// The environment a job runs with: Buildkite-compatible variables (so existing scripts keep working),
/// their `SHIPDECK_*` equivalents, a few basics from the core's own environment, then the build's and
/// the job's `env` on top.
public enum BuildEnvironment {
    /// Variables taken from the core's environment when set.
    public static let inherited = ["PATH", "HOME", "LANG"]
    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The full environment of one job attempt.
    /// - Parameters:
    ///   - job: the planned job (step key, label, parallel index, env).
    ///   - context: the build (service, number, commit, branch, message, author, source, env).
    ///   - buildID: the build's unique id; `jobID`: this job's unique id.
    ///   - attempt: 1 for the first run, 2 for the first retry…
    ///   - checkoutDir: where the build's commit is checked out.
    ///   - coreEnvironment: the core's own environment, for PATH, HOME and LANG.
    /// - Returns: names to values; the job's `env` wins over the build's, which wins over the computed ones.
    public static func variables(job: PlannedJob, context: BuildContext, buildID: String, jobID: String, attempt: Int,
                                 checkoutDir: String,
                                 coreEnvironment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var env: [String: String] = [:]
        for name in inherited { if let value = coreEnvironment[name] { env[name] = value } }
        if env["PATH"] == nil { env["PATH"] = defaultPath }

        let retries = String(max(0, attempt - 1))
        let common: [(String, String)] = [
            ("BUILD_NUMBER", String(context.number)),
            ("BUILD_ID", buildID),
            ("JOB_ID", jobID),
            ("COMMIT", context.commit),
            ("BRANCH", context.branch),
            ("MESSAGE", context.message),
            ("LABEL", job.label),
            ("SOURCE", context.source),
            ("BUILD_AUTHOR", context.author),
            ("RETRY_COUNT", retries),
        ]
        env["CI"] = "true"
        env["BUILDKITE"] = "true"
        env["SHIPDECK"] = "true"
        for (name, value) in common {
            env["BUILDKITE_" + name] = value
            env["SHIPDECK_" + name] = value
        }
        env["BUILDKITE_PIPELINE_SLUG"] = context.service
        env["SHIPDECK_SERVICE"] = context.service
        env["BUILDKITE_BUILD_CHECKOUT_PATH"] = checkoutDir
        env["SHIPDECK_CHECKOUT_PATH"] = checkoutDir
        env["BUILDKITE_BUILD_CREATOR"] = context.author
        env["SHIPDECK_ATTEMPT"] = String(attempt)
        if let key = job.stepKey {
            env["BUILDKITE_STEP_KEY"] = key
            env["SHIPDECK_STEP_KEY"] = key
        }
        if let group = job.group {
            env["BUILDKITE_GROUP_LABEL"] = group
            env["SHIPDECK_GROUP"] = group
        }
        if let parallel = job.parallel {
            for prefix in ["BUILDKITE_", "SHIPDECK_"] {
                env[prefix + "PARALLEL_JOB"] = String(parallel.index)
                env[prefix + "PARALLEL_JOB_COUNT"] = String(parallel.count)
            }
        }
        env.merge(context.env) { $1 }
        env.merge(job.env) { $1 }
        return env
    }
}
