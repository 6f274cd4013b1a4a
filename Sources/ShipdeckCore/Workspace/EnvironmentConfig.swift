/// A deployment environment (test, prod…).
public struct EnvironmentConfig: Sendable, Equatable {
    public var name: String
    /// A protected environment needs a deployer role and an unblocked pipeline step.
    public var protected: Bool
    /// Roles allowed to deploy here.
    public var deployers: [String]

    public init(name: String, protected: Bool = false, deployers: [String] = []) {
        self.name = name
        self.protected = protected
        self.deployers = deployers
    }

    /// `test` (dev and prod may deploy) and `prod` (protected, prod only).
    public static let defaults: [EnvironmentConfig] = [
        EnvironmentConfig(name: "test", protected: false, deployers: ["dev", "prod"]),
        EnvironmentConfig(name: "prod", protected: true, deployers: ["prod"]),
    ]
}
