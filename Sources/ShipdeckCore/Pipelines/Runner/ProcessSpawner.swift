import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a program in a new process group with stdin on /dev/null and stdout/stderr on pipes.
///
/// Hand-written over `posix_spawn` rather than swift-subprocess: a job needs the group to outlive its
/// shell (a child that traps TERM, a `sleep &` holding the pipe), and subprocess's teardown stops once
/// the group leader has exited and its output sequences wait for end-of-file.
enum ProcessSpawner {
    struct Child {
        var pid: pid_t
        /// Read ends, close-on-exec; -1 when output was not captured.
        var stdout: Int32
        var stderr: Int32
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Spawns `path` with `arguments` (argv[0] included) in a process group of its own.
    static func spawn(path: String, arguments: [String], environment: [String: String], directory: String?,
                      captureOutput: Bool = true) throws(Failure) -> Child {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        if captureOutput {
            guard makePipe(&outPipe) else { throw Failure(description: "could not create a pipe: \(errnoText(errno))") }
            guard makePipe(&errPipe) else {
                close(outPipe[0]); close(outPipe[1])
                throw Failure(description: "could not create a pipe: \(errnoText(errno))")
            }
        }
        defer {
            // The child holds its own copies of the write ends.
            if captureOutput { close(outPipe[1]); close(errPipe[1]) }
        }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        }
        // Nothing else of this process leaks into the child (listening sockets, the database): an
        // instance that outlives the core must not keep the core's ports open.
        if let closeFrom = Self.addclosefrom { _ = closeFrom(&actions, 3) }
        var arguments = arguments
        if let directory {
            if let addchdir = Self.addchdir {
                let status = addchdir(&actions, directory)
                guard status == 0 else { throw Failure(description: "could not use \(directory): \(errnoText(status))") }
            } else if arguments.count == 4, arguments[1] == "-e", arguments[2] == "-c" {
                // No posix_spawn chdir in this libc: let the shell change directory first.
                arguments[3] = "cd -- '\(directory.replacingOccurrences(of: "'", with: "'\\''"))'\n" + arguments[3]
            }
        }

        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard status == 0 else {
            if captureOutput { close(outPipe[0]); close(errPipe[0]) }
            let place = directory.map { " in \($0)" } ?? ""
            throw Failure(description: "could not start \(path)\(place): \(errnoText(status))")
        }
        return Child(pid: pid, stdout: outPipe[0], stderr: errPipe[0])
    }

    /// A close-on-exec pipe.
    static func makePipe(_ fds: inout [Int32], nonBlocking: Bool = false) -> Bool {
        #if canImport(Darwin)
        guard pipe(&fds) == 0 else { return false }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if nonBlocking { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        }
        return true
        #else
        if let pipe2 = Self.pipe2 {
            return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) } == 0
        }
        guard pipe(&fds) == 0 else { return false }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if nonBlocking { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        }
        return true
        #endif
    }

    // glibc declares these only under _GNU_SOURCE, which Swift's Glibc module does not set.
    #if canImport(Darwin)
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t?>, UnsafePointer<CChar>) -> Int32
    #else
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    #endif
    #if canImport(Darwin)
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t?>, Int32) -> Int32
    #else
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    #endif
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let addchdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    private static let addclosefrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")
    private static let pipe2: Pipe2? = symbol("pipe2")

    private static func symbol<T>(_ name: String) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: T.self)
    }

    /// Reaps `pid` and returns its raw wait status.
    static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    /// Whether any live (non-zombie) process is left in the group. `kill(-pgid, 0)` alone counts zombies
    /// (the unreaped leader, orphans waiting for init), so on Linux `/proc` decides when it succeeds.
    static func groupAlive(_ pgid: pid_t) -> Bool {
        guard kill(-pgid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        return !liveMembers(pgid).isEmpty
        #else
        return true
        #endif
    }

    /// Non-zombie processes whose process group is `pgid`, from `/proc/PID/stat`.
    ///
    /// Runs after every job's shell exits, so it reads `/proc` with plain system calls into one buffer:
    /// through Foundation (a `String` per entry and per file) the scan cost about 1.5 ms per job.
    static func liveMembers(_ pgid: pid_t) -> [pid_t] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        let procFD = dirfd(directory)
        var members: [pid_t] = []
        var path = [CChar](repeating: 0, count: 32)
        var buffer = [UInt8](repeating: 0, count: 256)
        while let entry = readdir(directory) {
            // Entry names that are all digits are processes; write "PID/stat" into `path`.
            var pid: pid_t = 0
            let length: Int = withUnsafeBytes(of: &entry.pointee.d_name) { name in
                var index = 0
                while index < name.count, index < 12, name[index] >= 0x30, name[index] <= 0x39 {
                    pid = pid * 10 + pid_t(name[index] - 0x30)
                    path[index] = CChar(bitPattern: name[index])
                    index += 1
                }
                return index < name.count && name[index] == 0 ? index : 0
            }
            guard length > 0 else { continue }
            for (offset, byte) in "/stat".utf8.enumerated() { path[length + offset] = CChar(bitPattern: byte) }
            path[length + 5] = 0
            let fd = openat(procFD, path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard count > 0 else { continue }
            // "pid (comm) state ppid pgrp …": the command may hold spaces and parentheses, so parse
            // from the last ')' (the fields before pgrp are short, well inside the buffer).
            guard let paren = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")) else { continue }
            var index = paren + 1
            func field() -> Range<Int>? {
                while index < count, buffer[index] == 0x20 { index += 1 }
                let start = index
                while index < count, buffer[index] != 0x20 { index += 1 }
                return index > start ? start..<index : nil
            }
            guard let state = field(), field() != nil, let pgrp = field() else { continue }
            guard buffer[state.lowerBound] != UInt8(ascii: "Z"), buffer[state.lowerBound] != UInt8(ascii: "X") else { continue }
            var group: pid_t = 0
            var valid = true
            for byte in buffer[pgrp] {
                guard byte >= 0x30, byte <= 0x39 else { valid = false; break }
                group = group * 10 + pid_t(byte - 0x30)
            }
            if valid, group == pgid { members.append(pid) }
        }
        return members
    }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Monotonic time in nanoseconds.
func runnerMonotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

extension Duration {
    /// Whole nanoseconds, clamped at zero.
    var runnerNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
