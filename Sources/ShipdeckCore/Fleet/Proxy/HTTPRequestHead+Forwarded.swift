import NIOCore
import NIOHTTP1

extension HTTPRequestHead {
    /// The request head as the backend gets it from a client at `client` (its IP address): HTTP/1.1
    /// keep-alive, hop-by-hop headers removed, `X-Forwarded-For` and `X-Forwarded-Proto` added.
    func forwarded(for client: String) -> HTTPRequestHead {
        var head = self
        head.version = .http1_1
        // One pass over the headers; the common request has none of these.
        var hopByHop = false
        var earlierFor: String?
        var hasProto = false
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 15 where name.equalsASCIICaseInsensitive("x-forwarded-for"):
                earlierFor = earlierFor.map { "\($0), \(value)" } ?? value
            case 17 where name.equalsASCIICaseInsensitive("x-forwarded-proto"):
                hasProto = true
            default:
                if !hopByHop && isHopByHopHeader(name) { hopByHop = true }
            }
        }
        if hopByHop { removeHopByHopHeaders(&head.headers) }
        if let earlierFor {
            head.headers.replaceOrAdd(name: "X-Forwarded-For", value: "\(earlierFor), \(client)")
        } else {
            head.headers.add(name: "X-Forwarded-For", value: client)
        }
        if !hasProto { head.headers.add(name: "X-Forwarded-Proto", value: "http") }
        return head
    }
}

/// Whether `name` is one of the fixed hop-by-hop header names (checked by length first).
func isHopByHopHeader(_ name: String) -> Bool {
    switch name.utf8.count {
    case 2: name.equalsASCIICaseInsensitive("te")
    case 7: name.equalsASCIICaseInsensitive("upgrade")
    case 10: name.equalsASCIICaseInsensitive("connection") || name.equalsASCIICaseInsensitive("keep-alive")
    case 16: name.equalsASCIICaseInsensitive("proxy-connection")
    default: false
    }
}

extension String {
    /// ASCII case-insensitive equality with a lowercase `other`, without allocating.
    func equalsASCIICaseInsensitive(_ other: StaticString) -> Bool {
        var text = self
        return text.withUTF8 { UnsafeRawBufferPointer($0).equalsIgnoringCase(other) }
    }
}

/// Removes the headers that describe one connection, not the message (RFC 9110 §7.6.1), including
/// any named in `Connection`.
func removeHopByHopHeaders(_ headers: inout HTTPHeaders) {
    if headers.contains(name: "connection") {
        for token in headers[canonicalForm: "connection"] where !token.isEmpty {
            headers.remove(name: String(token))
        }
        headers.remove(name: "connection")
    }
    for name in ["keep-alive", "proxy-connection", "upgrade", "te"] where headers.contains(name: name) {
        headers.remove(name: name)
    }
}
