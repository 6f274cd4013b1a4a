import NIOCore

/// One instance of a service that the proxy may forward requests to.
public struct ProxyBackend: Sendable, Hashable, CustomStringConvertible {
    /// The fleet's name for the instance (`orders-3f2a`); `ServiceProxy.inFlight(instanceID:)` counts by it.
    public var instanceID: String
    public var host: String
    public var port: Int

    public init(instanceID: String, host: String, port: Int) {
        self.instanceID = instanceID
        self.host = host
        self.port = port
    }

    public var description: String { "\(instanceID) (\(host):\(port))" }
}

/// A backend as the routing table holds it: with its socket address when `host` is an IP literal,
/// so connecting needs no resolver (a host name is resolved by NIO at connect time).
struct RoutedBackend: Sendable {
    var backend: ProxyBackend
    var address: SocketAddress?

    init(_ backend: ProxyBackend) {
        self.backend = backend
        self.address = try? SocketAddress(ipAddress: backend.host, port: backend.port)
    }
}
