import Support

/// The bytes of a body as the text encoder writes it: raw memory with a
/// cursor, grown by doubling, copied into an array once at the end. An
/// array appended to piece by piece checked its uniqueness and capacity,
/// and called `memcpy` through a generic path, for each of the ~5,000
/// pieces of a 100-image target: a quarter of the encoder's instructions.
final class RenderBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 256)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// What was written, as an array.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Room for `extra` more bytes (sizes are in memory already, so this
    /// cannot overflow before allocation fails).
    @inline(__always)
    private func reserve(_ extra: Int) {
        if capacity - count < extra { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    @inline(__always)
    func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    /// Eight bytes, little-endian.
    @inline(__always)
    func append(word: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(base + count).storeBytes(of: word.littleEndian, as: UInt64.self)
        count += 8
    }

    /// `text`'s UTF-8 length (seven bits a byte, low first, the high bit set
    /// on all but the last: one byte under 128), then its bytes: fields
    /// written this way cannot run into one another ("ab", "c" is not "a", "bc").
    @inline(__always)
    func append(field text: String) {
        var text = text
        text.withUTF8 { bytes in
            var length = UInt(bytes.count)
            while length >= 0x80 {
                append(UInt8(truncatingIfNeeded: length) | 0x80)
                length >>= 7
            }
            append(UInt8(truncatingIfNeeded: length))
            append(bytes)
        }
    }

    /// A hash of what was written: SipHash-1-3, keyed at random per process.
    func hashed() -> UInt64 {
        SipHash.random.hash(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Where `Double.write(to:)` puts its digits: it passes them as ASCII
    /// bytes, which become no String here.
    private struct Stream: TextOutputStream {
        let buffer: RenderBuffer
        mutating func write(_ string: String) { buffer.append(string) }
        mutating func _writeASCII(_ bytes: UnsafeBufferPointer<UInt8>) { buffer.append(bytes) }
    }

    /// Escapes backslash and newline always, double quote where asked (label
    /// values in both formats, HELP text in OpenMetrics). Runs without an
    /// escape are copied whole (most values have none), and eight bytes at
    /// a time are checked for one.
    func appendEscaped(_ text: String, escapeQuotes: Bool) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { appendEscaped($0, escapeQuotes: escapeQuotes) }
        if written == nil {
            var text = text
            text.withUTF8 { appendEscaped($0, escapeQuotes: escapeQuotes) }
        }
    }

    /// Room for the worst case (every byte escaped) once, then the bytes
    /// stored in place: eight at a time while none needs an escape.
    private func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, escapeQuotes: Bool) {
        guard let source = UnsafeRawPointer(bytes.baseAddress) else { return }
        let length = bytes.count
        reserve(2 * length)
        var out = base + count
        var index = 0
        while index < length {
            if length - index >= 8 {
                let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if !Self.mayNeedEscape(word, escapeQuotes: escapeQuotes) {
                    UnsafeMutableRawPointer(out).storeBytes(of: word, as: UInt64.self)
                    out += 8
                    index += 8
                    continue
                }
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") || byte == 0x0A || (escapeQuotes && byte == UInt8(ascii: "\"")) {
                out[0] = UInt8(ascii: "\\")
                out[1] = byte == 0x0A ? UInt8(ascii: "n") : byte
                out += 2
            } else {
                out[0] = byte
                out += 1
            }
            index += 1
        }
        count = out - base
    }

    /// Whether one of the eight bytes is a backslash, a newline or (with
    /// `escapeQuotes`) a double quote.
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64, escapeQuotes: Bool) -> Bool {
        ByteWord.contains(UInt8(ascii: "\\"), in: word) || ByteWord.contains(0x0A, in: word)
            || (escapeQuotes && ByteWord.contains(UInt8(ascii: "\""), in: word))
    }

    /// ``TextFormat/formatValue(_:)``, without a String: integers (nearly
    /// every sample: counts, timestamps) digit by digit, other finite values
    /// as the standard library writes their shortest round-trip form (its
    /// `description`), handed over as bytes.
    func appendValue(_ value: Double) {
        guard value.isFinite else {
            append(TextFormat.formatValue(value))
            return
        }
        guard value == value.rounded(), abs(value) < 1e15 else {
            var stream = Stream(buffer: self)
            value.write(to: &stream)
            return
        }
        var magnitude = Int64(value).magnitude
        // A sign and at most 15 digits.
        reserve(16)
        if value < 0 { append(UInt8(ascii: "-")) }
        var digits = 1
        var scale: UInt64 = 10
        while digits < 16, magnitude >= scale {
            digits += 1
            scale &*= 10
        }
        var at = count + digits - 1
        repeat {
            base[at] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            at -= 1
        } while magnitude > 0
        count += digits
    }
}
