import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds a free loopback port for a new instance: the kernel picks one for a socket bound to port 0.
enum PortAllocator {
    static func freePort() throws -> Int {
        let (descriptor, port) = try bindLoopback()
        close(descriptor)
        return port
    }

    /// A TCP socket bound to `port` on 127.0.0.1 (0: a kernel-chosen one) and not listening (a
    /// connection to it is refused); the caller closes the descriptor.
    static func bindLoopback(port requested: Int = 0) throws -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ShipdeckError(.io, "could not open a socket to find a free port: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(requested).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ShipdeckError(.io, requested == 0 ? "could not find a free port: \(reason)" : "could not bind port \(requested): \(reason)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
