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
  skewed-date         every request refused as AWS refuses a skewed signature
                      (400 InvalidSignatureException), with a Date header whose
                      year has twelve digits (it crashed the exporter once)

Usage: raw_http_server.py --port PORT --mode MODE
"""
import argparse
import itertools
import socket
import socketserver
import sys

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


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        mode = self.server.mode
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
            elif mode == "skewed-date":
                body = b'{"__type":"InvalidSignatureException","message":"Signature expired"}'
                self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nDate: Sun, 06 Nov 999999999999 08:49:37 GMT\r\n"
                                 b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            elif mode == "two-lengths":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
                return
            self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", required=True)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.mode = args.mode
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
