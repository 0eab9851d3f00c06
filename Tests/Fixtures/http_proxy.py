#!/usr/bin/env python3
"""A small forward proxy for the HTTP client's tests, independent of it.

CONNECT host:port opens a tunnel (answers 200, then relays bytes both ways);
any other request must be in absolute form (http://host:port/path) and is
relayed to that origin in origin form, one request per connection.
With --credentials USER:PASSWORD, requests without that basic
Proxy-Authorization get 407. Every request is logged on stdout, one line:
  METHOD TARGET auth=yes|no|bad

--resolve NAME=ADDRESS makes the proxy connect to ADDRESS for NAME, so that
a test can name an origin that is not loopback to the client.

--tls CERT KEY serves TLS to the client (an https:// proxy): the tunnel then
carries the client's TLS to the origin inside it.

Usage: http_proxy.py --port PORT [--credentials USER:PASSWORD] [--resolve NAME=ADDRESS]... [--tls CERT KEY]
"""
import argparse
import base64
import socket
import socketserver
import sys
import threading

from tls_server import TLSServer


def relay(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        head = []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            if line in (b"\r\n", b"\n"):
                break
            head.append(line.decode("latin-1").rstrip("\r\n"))
        if not head:
            return
        method, target, version = head[0].split(" ", 2)
        headers = [h.split(":", 1) for h in head[1:]]
        given = next((v.strip() for k, v in headers if k.strip().lower() == "proxy-authorization"), None)
        wanted = self.server.authorization
        auth = "no" if given is None else ("yes" if given == wanted else "bad")
        print(f"{method} {target} auth={auth}", flush=True)
        if wanted is not None and given != wanted:
            # With a page of explanation, as real proxies send.
            page = b"<html><body><h1>407 Proxy Authentication Required</h1>" + b"x" * 2000 + b"</body></html>"
            self.wfile.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                             b"Content-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(page), page))
            return
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            host = host.strip("[]")
            upstream = socket.create_connection((self.server.names.get(host, host), int(port)))
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            # What the client sent after the head is still in rfile's buffer.
            pending = self.rfile.peek(0) if hasattr(self.rfile, "peek") else b""
            if pending:
                upstream.sendall(self.rfile.read(len(pending)))
            back = threading.Thread(target=relay, args=(upstream, self.connection), daemon=True)
            back.start()
            relay(self.connection, upstream)
            back.join()
            return
        if not target.startswith("http://"):
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        rest = target[len("http://"):]
        authority, _, path = rest.partition("/")
        host, _, port = authority.rpartition(":")
        length = next((int(v) for k, v in headers if k.strip().lower() == "content-length"), 0)
        body = self.rfile.read(length) if length else b""
        kept = [f"{k}:{v}" for k, v in headers if k.strip().lower() not in ("proxy-authorization", "connection")]
        request = f"{method} /{path} {version}\r\n" + "".join(h + "\r\n" for h in kept) + "Connection: close\r\n\r\n"
        host = host or authority
        upstream = socket.create_connection((self.server.names.get(host, host), int(port or 80)))
        upstream.sendall(request.encode("latin-1") + body)
        relay(upstream, self.connection)


class Server(TLSServer):
    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--credentials")
    parser.add_argument("--resolve", action="append", default=[])
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.names = dict(entry.split("=", 1) for entry in args.resolve)
    server.authorization = ("Basic " + base64.b64encode(args.credentials.encode()).decode()) if args.credentials else None
    if args.tls:
        server.serve_tls(*args.tls)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
