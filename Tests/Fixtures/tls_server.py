"""TLS for the fixtures' socketservers: `TLSServer` wraps each accepted
connection when `tls` is set (an ssl.SSLContext), with a bounded handshake."""
import socketserver
import ssl


class TLSServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls = None

    def get_request(self):
        sock, address = super().get_request()
        if self.tls is not None:
            sock.settimeout(5)
            sock = self.tls.wrap_socket(sock, server_side=True)
            sock.settimeout(None)
        return sock, address

    def serve_tls(self, cert, key):
        """Serve TLS with this certificate chain and key."""
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(cert, key)
