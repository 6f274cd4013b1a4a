extension UnsafeRawBufferPointer {
    /// ASCII case-insensitive comparison with a lowercase literal (header names, JSON keys), without
    /// allocating.
    func equalsIgnoringCase(_ lowercase: StaticString) -> Bool {
        guard count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<count {
            let byte = self[index]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != expected[index] { return false }
        }
        return true
    }
}
