import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Hears signals without letting them kill the process: each one is unblocked (a parent may have
/// blocked it, and we inherit its mask), its default action ignored, and `handler` called on a
/// dispatch queue. Keep the listener alive as long as the signals should be heard.
public final class SignalListener: @unchecked Sendable {  // sources are only kept alive, never touched after init
    private let sources: [any DispatchSourceSignal]

    public init(_ numbers: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        sources = numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }
}
