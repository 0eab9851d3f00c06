import CZlib
import Testing
@testable import HTTPServer

/// Decompresses a gzip member with zlib's inflate (windowBits 31), independently of ``Gzip``.
func gunzip(_ input: [UInt8]) -> [UInt8]? {
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

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 100, 70_000, 1_000_000])
    func roundTrips(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let text = (0..<size).map { _ in UInt8.random(in: 32...126, using: &generator) }
        let compressed = try Gzip.compress(text)
        #expect(compressed.prefix(2) == [0x1f, 0x8b])
        #expect(gunzip(compressed) == text)
    }

    @Test func compressesExpositionText() throws {
        let line = Array("aws_workspaces_image_info{image_id=\"wsi-123\",name=\"x\",region=\"us-east-1\"} 1\n".utf8)
        let text = Array((0..<1000).map { _ in line }.joined())
        let compressed = try Gzip.compress(text)
        #expect(compressed.count * 10 < text.count)
        #expect(gunzip(compressed) == text)
    }
}

@Suite struct AcceptEncodingTests {
    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("deflate, gzip;q=0.5", true), ("GZIP", true),
        ("identity", false), ("gzip;q=0", false), ("gzip; q=0.0", false), ("*", true), ("*;q=0", false),
        ("*, gzip;q=0", false), ("", false), ("br", false), ("x-gzip", true),
    ])
    func decides(header: String, expected: Bool) {
        #expect(AcceptEncoding.allowsGzip(header) == expected)
    }

    @Test func absentHeaderMeansNoGzip() {
        #expect(AcceptEncoding.allowsGzip(nil) == false)
    }
}
