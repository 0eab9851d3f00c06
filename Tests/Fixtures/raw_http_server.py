#!/usr/bin/env python3
"""An HTTP/1.1 server written by hand, for the HTTP client's tests: each mode
answers in one particular way, well-formed or not, the way a real server or a
broken middlebox might.

Modes (the answer to every request on every connection):
  one-per-connection  answers the first request of each connection with its
                      number ("connection N", keep-alive), then closes the
                      connection on reading the second without answering
  keep-alive          answers every request with the number of its connection
                      ("connection N"), keeping the connection open
  no-body             HEAD, and GET /204 or /304, answered with a Content-Length
                      but no body (as RFC 9112 says those carry none); other
                      requests "ok"
  chunked             a chunked body with a chunk extension and a trailer
  interim             "100 Continue" and "103 Early Hints", then the answer
  until-close         no Content-Length: the body ends when the connection does
  header-flood        headers without end
  bad-status          a status line that is not HTTP
  short-body          a Content-Length larger than what is sent, then close
  two-lengths         two different Content-Length fields
  empty-images        every request answered 200 with an empty DescribeWorkspaceImages page
  skewed-date         every request refused as AWS refuses a skewed signature
                      (400 InvalidSignatureException), with a Date header whose
                      year has twelve digits (it crashed the exporter once)

Hostile modes, for the exporter's hostile-endpoint suite (each stops by
itself after --seconds, default 30, per connection):
  crlf-flood          blank lines without end before any status line
  interim-flood       "100 Continue" interim answers without end
  chunk-ext-flood     1-byte chunks, each with a 4 KB chunk extension, without end
  drip                a 100,000-byte Content-Length, then one byte every 100 ms
  huge-body           a chunked body of 64 KB chunks without end
  long-length         a Content-Length of 100,000, ten bytes, then silence
  short-length        a Content-Length of 5 followed by more bytes than that
  reset-mid-body      half of the announced body, then a TCP reset
  gzip-unasked        a valid DescribeWorkspaceImages page, gzip-encoded though
                      nobody asked for it
  tls-no-close-notify (with --tls) an answer framed by the end of the stream,
                      then a TCP close without TLS's close_notify
  proxy-garbage       answers a proxy's CONNECT with bytes that are not HTTP

Options: --tls CERT KEY serves TLS; --seconds N bounds each connection.

Usage: raw_http_server.py --port PORT --mode MODE
"""
import argparse
import gzip
import itertools
import socket
import socketserver
import struct
import sys
import time

from tls_server import TLSServer

COUNTER = itertools.count(1)


def read_request(rfile):
    """Reads one request head and body; its request line, or None at the end of the stream."""
    length = 0
    request_line = None
    while True:
        line = rfile.readline(65537)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if request_line is None:
                continue
            break
        if request_line is None:
            request_line = line.decode("latin-1").strip()
            continue
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        rfile.read(length)
    return request_line


def hostile(mode, wfile, sock, seconds):
    """The hostile modes; each ends by itself after `seconds`."""
    end = time.time() + seconds
    try:
        if mode == "crlf-flood":
            while time.time() < end:
                wfile.write(b"\r\n" * 4096)
        elif mode == "interim-flood":
            while time.time() < end:
                wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n" * 256)
        elif mode == "chunk-ext-flood":
            wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"1;" + b"x" * 4000 + b"\r\na\r\n"
            while time.time() < end:
                wfile.write(chunk * 16)
        elif mode == "drip":
            wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while time.time() < end:
                wfile.write(b"{")
                wfile.flush()
                time.sleep(0.1)
        elif mode == "huge-body":
            wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
            while time.time() < end:
                wfile.write(chunk)
        elif mode == "long-length":
            wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{\"Images\":")
            wfile.flush()
            time.sleep(max(0, end - time.time()))
        elif mode == "short-length":
            wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"Images\":[]}" + b"x" * 10000)
        elif mode == "reset-mid-body":
            wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b" " * 500)
            wfile.flush()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        elif mode == "gzip-unasked":
            body = gzip.compress(b'{"Images":[{"ImageId":"wsi-123456789","Name":"n","State":"AVAILABLE"}]}')
            wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Encoding: gzip\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            return "keep"
        elif mode == "tls-no-close-notify":
            wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\r\n{\"Images\":[]}")
            wfile.flush()
            # Close the TCP connection under TLS without sending close_notify.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
            return
        elif mode == "proxy-garbage":
            wfile.write(b"\x16\x03\x01 this is not an HTTP answer\r\n\r\n")
        wfile.flush()
    except OSError:
        pass


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        mode = self.server.mode
        if mode in HOSTILE:
            while read_request(self.rfile) is not None:
                if hostile(mode, self.wfile, self.request, self.server.seconds) != "keep":
                    return
            return
        if mode == "one-per-connection":
            if read_request(self.rfile) is None:
                return
            body = f"connection {next(COUNTER)}".encode()
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            self.wfile.flush()
            read_request(self.rfile)
            return
        number = next(COUNTER)
        while True:
            request_line = read_request(self.rfile)
            if request_line is None:
                return
            method, path = (request_line.split(" ") + ["", ""])[:2]
            if mode == "no-body":
                if method == "HEAD":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
                elif path in ("/204", "/304"):
                    self.wfile.write(b"HTTP/1.1 %s Nothing\r\nContent-Length: 5\r\n\r\n" % path[1:].encode())
                else:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif mode == "keep-alive":
                body = f"connection {number}".encode()
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            elif mode == "chunked":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Mode: chunked\r\n\r\n"
                                 b"5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n")
            elif mode == "interim":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                                 b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")
            elif mode == "until-close":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe whole rest")
                return
            elif mode == "header-flood":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                try:
                    for index in range(100000):
                        self.wfile.write(b"X-Flood-%d: %s\r\n" % (index, b"x" * 1000))
                except OSError:
                    pass
                return
            elif mode == "bad-status":
                self.wfile.write(b"SSH-2.0-OpenSSH\r\n\r\n")
                return
            elif mode == "short-body":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
                return
            elif mode == "empty-images":
                body = b'{"Images":[]}'
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            elif mode == "skewed-date":
                body = b'{"__type":"InvalidSignatureException","message":"Signature expired"}'
                self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nDate: Sun, 06 Nov 999999999999 08:49:37 GMT\r\n"
                                 b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            elif mode == "two-lengths":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
                return
            self.wfile.flush()


HOSTILE = {"crlf-flood", "interim-flood", "chunk-ext-flood", "drip", "huge-body", "long-length", "short-length",
           "reset-mid-body", "gzip-unasked", "tls-no-close-notify", "proxy-garbage"}


class Server(TLSServer):
    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.mode = args.mode
    server.seconds = args.seconds
    if args.tls:
        server.serve_tls(*args.tls)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
