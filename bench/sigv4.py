"""A minimal AWS Signature Version 4 signer for the benchmarks' floor requests.

The emulator verifies signatures as AWS does, so the floor (the request
sequence of one scrape, made as plainly as possible) signs them too. The cost
is a few HMACs per request, small next to a millisecond of latency.
"""

import datetime
import hashlib
import hmac

ACCESS_KEY = "AKIDEMULATOR"
SECRET_KEY = "emulator-secret"


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(host, body, target, region="us-east-1", service="workspaces",
                   access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    """The headers of a signed JSON POST to `/` for the X-Amz-Target `target`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-target": target,
    }
    names = ";".join(sorted(headers))
    canonical = "\n".join([
        "POST", "/", "",
        "".join(f"{name}:{headers[name]}\n" for name in sorted(headers)),
        names,
        hashlib.sha256(body.encode()).hexdigest(),
    ])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                                f"SignedHeaders={names}, Signature={signature}")
    return headers
