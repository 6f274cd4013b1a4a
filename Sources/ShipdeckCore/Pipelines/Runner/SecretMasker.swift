import Foundation

/// Replaces secret values with `[REDACTED]` in log lines, working on bytes so it is cheap per line.
struct SecretMasker: Sendable {
    static let replacement = Array("[REDACTED]".utf8)
    /// Longest first, so a secret that contains another is masked whole.
    let secrets: [[UInt8]]
    /// Which bytes start some secret, to skip the rest quickly.
    private let firstBytes: [Bool]

    init(values: [String]) {
        // A multi-line value can only match line by line; mask each of its lines that is long enough.
        var parts = Set<[UInt8]>()
        for value in values {
            parts.insert(Array(value.utf8))
            if value.contains("\n") {
                for line in value.split(separator: "\n") where line.utf8.count >= 4 { parts.insert(Array(line.utf8)) }
            }
        }
        secrets = parts.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        var table = [Bool](repeating: false, count: 256)
        for secret in secrets { table[Int(secret[0])] = true }
        firstBytes = table
    }

    init(rules: SecretMaskingRules, environment: [String: String]) {
        self.init(values: rules.secrets(in: environment))
    }

    var isEmpty: Bool { secrets.isEmpty }

    /// `line` with every secret replaced, or nil when nothing changed. When `cut` (the line was
    /// truncated), a tail that could be the start of a secret is masked too.
    func mask(_ line: UnsafeRawBufferPointer, cut: Bool) -> [UInt8]? {
        guard !secrets.isEmpty, let base = line.baseAddress, line.count > 0 else { return nil }
        var output: [UInt8]? = nil
        var position = 0
        var copied = 0
        while position < line.count {
            guard firstBytes[Int(line[position])] else { position += 1; continue }
            var matched: Int? = nil
            for secret in secrets where secret.count <= line.count - position {
                if secret.withUnsafeBytes({ memcmp(base + position, $0.baseAddress!, secret.count) == 0 }) {
                    matched = secret.count
                    break
                }
            }
            guard let length = matched else { position += 1; continue }
            if output == nil { output = []; output!.reserveCapacity(line.count + 16) }
            output!.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[copied..<position]))
            output!.append(contentsOf: Self.replacement)
            position += length
            copied = position
        }
        if output != nil { output!.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[copied...])) }
        guard cut else { return output }
        let tail = line.count - copied
        for secret in secrets {
            let longest = min(secret.count - 1, tail)
            guard longest >= 2 else { continue }
            for length in stride(from: longest, through: 2, by: -1)
            where secret.withUnsafeBytes({ memcmp(base + line.count - length, $0.baseAddress!, length) == 0 }) {
                var masked = output ?? Array(line)
                masked.removeLast(length)
                masked.append(contentsOf: Self.replacement)
                return masked
            }
        }
        return output
    }

    func mask(_ text: String) -> String {
        var bytes = Array(text.utf8)
        let masked = bytes.withUnsafeMutableBytes { mask(UnsafeRawBufferPointer($0), cut: false) }
        if let masked { bytes = masked }
        return String(decoding: bytes, as: UTF8.self)
    }
}
