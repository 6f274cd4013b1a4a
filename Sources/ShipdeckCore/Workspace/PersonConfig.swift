/// A squad member as declared under `people:`.
public struct PersonConfig: Sendable, Equatable {
    public var handle: String
    public var name: String
    /// Roles such as `dev`, `prod`, `oncall`, `lead`.
    public var roles: [String]
    public var email: String?

    public init(handle: String, name: String, roles: [String], email: String? = nil) {
        self.handle = handle
        self.name = name
        self.roles = roles
        self.email = email
    }

    /// The snapshot form of this person.
    public var person: Person { Person(handle: handle, name: name, roles: roles) }
}
