#!/usr/bin/env python3
"""Hostile clients for the exporter's tests, bounded in count and time.

  slowloris PORT N SECONDS      N connections that each send one header byte a second
  slowbody PORT N SECONDS       N connections that send complete POST headers announcing a
                                100,000-byte body, then one body byte a second
  reopen PORT N SECONDS         N silent connections, each reopened as soon as it closes
  authflood PORT RATE SECONDS SOURCE USER...
                                RATE wrong-password requests a second from SOURCE (an
                                address in 127.0.0.0/8), cycling through USER names;
                                prints the statuses it got as JSON
  authflood-same PORT RATE SECONDS SOURCE USER...
                                the same, repeating one wrong password

Prints one JSON line when done; never runs past SECONDS (+1).
"""
import base64, json, socket, sys, threading, time


def open_connections(port, n, first):
    """Up to N connections, each having sent `first`; fewer if the server stops accepting."""
    conns = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(first)
            conns.append(s)
        except OSError:
            break
    return conns


def slowloris(port, n, seconds):
    conns = open_connections(port, n, b"GET / HTTP/1.1\r\nX-Slow: ")
    opened, cut = len(conns), 0
    end = time.time() + seconds
    while time.time() < end:
        for s in list(conns):
            try:
                s.sendall(b"a")
            except OSError:
                conns.remove(s)
                cut += 1
        time.sleep(1)
    for s in conns:
        s.close()
    print(json.dumps({"opened": opened, "cut": cut}))


def slowbody(port, n, seconds):
    conns = open_connections(port, n, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    opened, cut, statuses = len(conns), 0, {}
    end = time.time() + seconds
    while time.time() < end and conns:
        for s in list(conns):
            try:
                s.sendall(b"a")
                s.setblocking(False)
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    data = None
                s.setblocking(True)
                if data is not None:
                    # An answer, or the end of the stream: the server is done with it.
                    status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.") else "closed"
                    statuses[status] = statuses.get(status, 0) + 1
                    conns.remove(s)
                    s.close()
                    cut += 1
            except OSError:
                conns.remove(s)
                cut += 1
        time.sleep(1)
    for s in conns:
        s.close()
    print(json.dumps({"opened": opened, "cut": cut, "statuses": statuses}))


def reopen(port, n, seconds):
    end = time.time() + seconds
    counts = {"opened": 0}
    lock = threading.Lock()

    def one():
        while time.time() < end:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                time.sleep(0.05)
                continue
            with lock:
                counts["opened"] += 1
            s.settimeout(max(0.1, end - time.time()))
            try:
                s.recv(1)  # silent until the server closes it
            except OSError:
                pass
            s.close()

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.1, end - time.time()) + 1)
    print(json.dumps(counts))


def authflood(port, rate, seconds, source, users, same=False):
    statuses = {}
    lock = threading.Lock()
    end = time.time() + seconds
    interval = 1.0 / rate

    def send(user, index):
        try:
            s = socket.socket()
            s.bind((source, 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            password = "always-the-same-wrong-one" if same else f"wrong-{index}"
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            s.sendall(f"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\nConnection: close\r\n\r\n".encode())
            data = s.recv(4096)
            s.close()
            status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.") else "none"
            retry = b"retry-after" in data.lower()
        except OSError:
            status, retry = "error", False
        with lock:
            key = status + ("+retry" if retry else "")
            statuses[key] = statuses.get(key, 0) + 1

    index = 0
    threads = []
    while time.time() < end:
        t = threading.Thread(target=send, args=(users[index % len(users)], index), daemon=True)
        t.start()
        threads.append(t)
        index += 1
        time.sleep(interval)
    for t in threads:
        t.join(timeout=1)
    print(json.dumps({"sent": index, "statuses": statuses}))


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "slowloris":
        slowloris(port, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "slowbody":
        slowbody(port, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "reopen":
        reopen(port, int(sys.argv[3]), float(sys.argv[4]))
    elif mode in ("authflood", "authflood-same"):
        authflood(port, float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6:], same=mode == "authflood-same")
    else:
        sys.exit(__doc__)
