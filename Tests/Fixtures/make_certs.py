#!/usr/bin/env python3
"""Writes the TLS material the web-config tests need into a directory.

Made with the `cryptography` package (installed with moto), independently of
the exporter: a CA, server and client certificates it signed (and a renewed server
certificate with its own key), expired ones,
a client certificate from a CA the server does not trust, and a server
certificate for another host name (for the HTTP client's name check).

Usage: make_certs.py DIRECTORY
"""
import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out = Path(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def write_key(name, private):
    (out / name).write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def write_cert(name, cert):
    (out / name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ca(common_name):
    private = key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(private.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - day).not_valid_after(now + 365 * day)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(private, hashes.SHA256()))
    return private, cert


def leaf(issuer_key, issuer_cert, common_name, server, not_before, not_after,
         names=("localhost", "127.0.0.1", "origin.test"), uris=(), emails=()):
    private = key()
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .issuer_name(issuer_cert.subject).public_key(private.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage(
                   [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    if names:
        entries = []
        for name in names:
            try:
                entries.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                entries.append(x509.DNSName(name))
        entries += [x509.UniformResourceIdentifier(uri) for uri in uris]
        entries += [x509.RFC822Name(email) for email in emails]
        builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
    return private, builder.sign(issuer_key, hashes.SHA256())


ca_key, ca_cert = ca("workspaces-exporter test CA")
write_cert("ca.pem", ca_cert)
other_key, other_cert = ca("untrusted test CA")
write_cert("other-ca.pem", other_cert)

for name, issuer, server, before, after in [
    ("server", (ca_key, ca_cert), True, now - day, now + 30 * day),
    ("server-expired", (ca_key, ca_cert), True, now - 60 * day, now - 30 * day),
    ("server-renewed", (ca_key, ca_cert), True, now - day, now + 90 * day),
    ("client", (ca_key, ca_cert), False, now - day, now + 30 * day),
    ("client-expired", (ca_key, ca_cert), False, now - 60 * day, now - 30 * day),
    ("client-untrusted", (other_key, other_cert), False, now - day, now + 30 * day),
]:
    names = ("localhost", "127.0.0.1", "origin.test") if server else ()
    private, cert = leaf(issuer[0], issuer[1], name, server, before, after, names=names)
    write_key(f"{name}.key", private)
    write_cert(f"{name}.pem", cert)

# Valid and trusted, but for another host: the client's name check must refuse it.
private, cert = leaf(ca_key, ca_cert, "server-other-host", True, now - day, now + 30 * day, names=("other.example",))
write_key("server-other-host.key", private)
write_cert("server-other-host.pem", cert)

# Client certificates with subject alternative names, for client_allowed_sans:
# one of each kind Go compares (DNS, IP, e-mail, URI), and one with other names.
private, cert = leaf(ca_key, ca_cert, "client-sans", False, now - day, now + 30 * day,
                     names=("client.test", "10.0.0.7", "2001:db8::7"), uris=("spiffe://example.test/client",),
                     emails=("client@example.test",))
write_key("client-sans.key", private)
write_cert("client-sans.pem", cert)
private, cert = leaf(ca_key, ca_cert, "client-other-sans", False, now - day, now + 30 * day, names=("other-client.test",))
write_key("client-other-sans.key", private)
write_cert("client-other-sans.pem", cert)
