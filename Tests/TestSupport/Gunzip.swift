import CZlib

/// Decompresses a gzip body with zlib's inflate, independently of the exporter.
public func gunzip(_ input: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    var input = input
    var result: Int32 = Z_OK
    input.withUnsafeMutableBufferPointer { inBuffer in
        stream.next_in = inBuffer.baseAddress
        stream.avail_in = UInt32(inBuffer.count)
        repeat {
            chunk.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                result = inflate(&stream, Z_NO_FLUSH)
                output += outBuffer[0..<(outBuffer.count - Int(stream.avail_out))]
            }
        } while result == Z_OK
    }
    return result == Z_STREAM_END ? output : nil
}
