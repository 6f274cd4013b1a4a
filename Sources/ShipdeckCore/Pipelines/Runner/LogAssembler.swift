import Foundation

/// Turns a job's raw output chunks into numbered, masked, bounded log lines.
///
/// Each stream keeps its own partial line. A line longer than `maxLineBytes` keeps its start and ends
/// with `[line truncated: N bytes]` (N is the line's full length). Once the log reaches `maxTotalBytes`
/// or `maxLines`, one notice says so and later lines are only counted; `finish` reports how many.
struct LogAssembler {
    let limits: LogLimits
    let masker: SecretMasker
    private var partial: [[UInt8]] = [[], []]
    /// Bytes of the current partial line beyond `maxLineBytes`, per stream.
    private var overflow: [Int] = [0, 0]
    private(set) var emittedLines = 0
    private(set) var emittedBytes = 0
    private(set) var capped = false
    private(set) var truncatedAny = false
    private(set) var droppedLines = 0
    private(set) var droppedBytes = 0

    init(limits: LogLimits, masker: SecretMasker) {
        self.limits = limits
        self.masker = masker
        partial[0].reserveCapacity(256)
        partial[1].reserveCapacity(256)
    }

    private static func index(_ stream: LogLine.Stream) -> Int { stream == .stderr ? 1 : 0 }

    /// Splits `chunk` into lines; complete ones go to `emit`, the rest waits for the next chunk.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, stream: LogLine.Stream, at date: Date, emit: (LogLine) -> Void) {
        guard let base = chunk.baseAddress else { return }
        let s = Self.index(stream)
        var start = 0
        while start < chunk.count {
            let rest = chunk.count - start
            if let found = memchr(base + start, 0x0A, rest) {
                let end = base.distance(to: UnsafeRawPointer(found))
                let piece = UnsafeRawBufferPointer(rebasing: chunk[start..<end])
                if partial[s].isEmpty && overflow[s] == 0 {
                    let kept = min(piece.count, limits.maxLineBytes)
                    complete(UnsafeRawBufferPointer(rebasing: piece[0..<kept]), overflow: piece.count - kept, stream: stream, at: date, emit: emit)
                } else {
                    append(piece, to: s)
                    let line = partial[s], extra = overflow[s]
                    partial[s].removeAll(keepingCapacity: true)
                    overflow[s] = 0
                    line.withUnsafeBytes { complete($0, overflow: extra, stream: stream, at: date, emit: emit) }
                }
                start = end + 1
            } else {
                append(UnsafeRawBufferPointer(rebasing: chunk[start...]), to: s)
                start = chunk.count
            }
        }
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer, to s: Int) {
        let room = limits.maxLineBytes - partial[s].count
        if bytes.count <= room {
            partial[s].append(contentsOf: bytes)
        } else {
            if room > 0 { partial[s].append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<room])) }
            overflow[s] += bytes.count - max(room, 0)
        }
    }

    /// Emits what is left in the partial lines, then the count of dropped output if the log was capped.
    mutating func finish(at date: Date, emit: (LogLine) -> Void) {
        for stream in [LogLine.Stream.stdout, .stderr] {
            let s = Self.index(stream)
            guard !partial[s].isEmpty || overflow[s] > 0 else { continue }
            let line = partial[s], extra = overflow[s]
            partial[s] = []
            overflow[s] = 0
            line.withUnsafeBytes { complete($0, overflow: extra, stream: stream, at: date, emit: emit) }
        }
        if capped {
            notice("[log truncated: \(droppedLines) more lines (\(droppedBytes) bytes) were dropped]", at: date, emit: emit)
        }
    }

    /// A line from the runner itself (timeouts, signals, truncation); never dropped or masked.
    mutating func notice(_ text: String, at date: Date, emit: (LogLine) -> Void) {
        emittedLines += 1
        emit(LogLine(line: emittedLines, at: date, stream: .system, text: text))
    }

    private mutating func complete(_ raw: UnsafeRawBufferPointer, overflow extra: Int, stream: LogLine.Stream, at date: Date,
                                   emit: (LogLine) -> Void) {
        let fullLength = raw.count + extra
        if capped {
            droppedLines += 1
            droppedBytes += fullLength + 1
            return
        }
        var bytes = raw
        if extra == 0, bytes.count > 0, bytes[bytes.count - 1] == 0x0D { bytes = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 1)]) }
        var text: String
        if let masked = masker.mask(bytes, cut: extra > 0) {
            text = String(decoding: masked, as: UTF8.self)
        } else {
            text = String(decoding: bytes, as: UTF8.self)
        }
        if extra > 0 {
            text += " [line truncated: \(fullLength) bytes]"
            truncatedAny = true
        }
        let size = text.utf8.count + 1
        if emittedBytes + size > limits.maxTotalBytes || emittedLines + 1 > limits.maxLines {
            capped = true
            truncatedAny = true
            notice("[log truncated: this job's log reached its limit (\(limits.maxTotalBytes) bytes or \(limits.maxLines) lines); "
                   + "further output is dropped while the job runs to completion]", at: date, emit: emit)
            droppedLines += 1
            droppedBytes += fullLength + 1
            return
        }
        emittedBytes += size
        emittedLines += 1
        emit(LogLine(line: emittedLines, at: date, stream: stream, text: text))
    }
}
