import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// After a crash, finds the processes of jobs the dead core had started (by the `SHIPDECK_JOB_ID`
/// in their environment, which every job process inherits) and kills their process groups, so no
/// process from the old run is left behind.
public enum OrphanReaper {
    /// Kills the process groups of every process whose environment names one of `jobIDs`; returns
    /// the process groups it killed.
    @discardableResult
    public static func kill(jobIDs: Set<String>) -> Set<pid_t> {
        guard !jobIDs.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var groups: Set<pid_t> = []
        for entry in entries {
            guard let pid = pid_t(entry), pid != getpid(),
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let job = variables.first(where: { $0.hasPrefix("SHIPDECK_JOB_ID=") })?.dropFirst("SHIPDECK_JOB_ID=".count),
                  jobIDs.contains(String(job)) else { continue }
            let group = getpgid(pid)
            if group > 1 && group != getpgrp() { groups.insert(group) }
        }
        for group in groups { Glibc.kill(-group, SIGKILL) }
        return groups
    }
}
