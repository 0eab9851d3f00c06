#!/usr/bin/env python3
"""Writes web-config fuzz seeds with inline certificate and key pairs that load.

Without a valid pair every mutated input stops at the key-pair check, and the
cipher suites, curves, versions and client settings behind it are never
parsed. The pairs (P-256, valid for 100 years) are made with `cryptography`.

Usage: make_web_config_seeds.py Tests/Fuzz/Corpus/web-config
"""
import datetime
import hashlib
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

out = Path(sys.argv[1])
start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
end = start + datetime.timedelta(days=365 * 100)


def pair(name, issuer=None):
    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_key, signer_name = issuer or (private, subject)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(signer_name)
            .public_key(private.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(signer_key, hashes.SHA256()))
    key = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return private, subject, cert.public_bytes(serialization.Encoding.PEM).decode(), key.decode()


def block(text, indent="    "):
    return "|\n" + "".join(indent + line + "\n" for line in text.strip().split("\n"))


ca_key, ca_name, ca_pem, _ = pair("fuzz CA")
_, _, cert, key = pair("localhost", (ca_key, ca_name))
tls = f"tls_server_config:\n  cert: {block(cert)}  key: {block(key)}"
seeds = [
    tls + "  min_version: TLS12\n  max_version: TLS13\n"
    "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]\n"
    "  curve_preferences: [X25519, CurveP256]\n  prefer_server_cipher_suites: true\n",
    tls + f"  client_ca: {block(ca_pem)}  client_auth_type: RequireAndVerifyClientCert\n"
    "  client_allowed_sans: [client.test, 127.0.0.1]\n",
    tls + "  min_version: TLS13\n  client_auth_type: VerifyClientCertIfGiven\n"
    "basic_auth_users:\n  alice: $2y$04$xFexTl9DrGRUCvQPmd/.3OIFngdNOS.kTo6eLd1NcDt0A36VF2sqO\n"
    "http_server_config:\n  headers:\n    X-Frame-Options: deny\n  http2: false\n"
    "rate_limit:\n  interval: 1s\n  burst: 10\n",
    tls + "  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
    "  curve_preferences: [CurveP384, CurveP521]\n",
]
for seed in seeds:
    data = seed.encode()
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(hashlib.sha1(data).hexdigest())
