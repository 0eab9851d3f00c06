"""Endpoint oracle: what botocore resolves for WorkSpaces, STS and Organizations.

For every (service, region, use_fips_endpoint, use_dualstack_endpoint) this
builds a real botocore client, calls one cheap operation and intercepts the
request in `before-send`, so nothing leaves the process. It records the URL
(reduced to scheme://host/) and the region of the SigV4 credential scope, or,
when botocore refuses the combination, its error message.

Regions: every region in botocore's partitions data (all partitions, including
the `*-global` pseudo regions), `aws-global`, one made-up region matching each
partition's regex, `eusc-fr-east-9` (an `eusc-` region that does NOT match the
aws-eusc regex) and `mars-1` (no partition matches).

Usage:
    endpoint_oracle.py                  print the oracle as one JSON array
    endpoint_oracle.py --compare FILE   diff FILE (a JSON array of the same
                                        shape) against the oracle; exit 0 iff
                                        there are no differences

The environment is scrubbed before botocore is imported: no AWS_* variables,
HOME is an empty temporary directory and the shared config/credentials files
point at /nonexistent. STS is resolved with botocore's default
`sts_regional_endpoints` (no configuration at all).
"""
import atexit
import json
import os
import re
import shutil
import sys
import tempfile
from urllib.parse import urlsplit

SERVICES = {
    "workspaces": ("describe_workspace_images", "json", b"{\"Images\": []}"),
    "sts": ("get_caller_identity", "query", (
        b"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/oracle</Arn>"
        b"<UserId>AIDAORACLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
        b"<ResponseMetadata><RequestId>oracle</RequestId></ResponseMetadata>"
        b"</GetCallerIdentityResponse>")),
    "organizations": ("list_accounts", "json", b"{\"Accounts\": []}"),
}

# One region per partition that matches its regionRegex but is not a known region.
MADE_UP = {
    "aws": "us-east-99",
    "aws-cn": "cn-east-9",
    "aws-us-gov": "us-gov-south-9",
    "aws-iso": "us-iso-south-9",
    "aws-iso-b": "us-isob-south-9",
    "aws-iso-e": "eu-isoe-west-9",
    "aws-iso-f": "us-isof-west-9",
    "aws-eusc": "eusc-de-west-9",
}
# Shapes no partition regex matches (botocore falls back to the aws partition).
UNKNOWN = ["eusc-fr-east-9", "mars-1"]

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


def scrub_environment():
    for name in list(os.environ):
        if name.startswith("AWS_") or name.startswith("BOTO"):
            del os.environ[name]
    home = tempfile.mkdtemp(prefix="endpoint-oracle-home-")
    atexit.register(shutil.rmtree, home, True)
    os.environ["HOME"] = home
    os.environ["AWS_CONFIG_FILE"] = "/nonexistent"
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    return home


def regions(loader):
    """Known regions of every partition, in data order, then the synthetic ones."""
    partitions = loader.load_data("partitions")["partitions"]
    found, extra = [], []
    for partition in partitions:
        pid = partition["id"]
        pattern = re.compile(partition["regionRegex"])
        for region in partition["regions"]:
            if region not in found:
                found.append(region)
        made_up = MADE_UP.get(pid)
        if made_up is None:
            print(f"endpoint oracle: no made-up region for partition {pid}", file=sys.stderr)
            continue
        if not pattern.match(made_up) or made_up in partition["regions"]:
            raise SystemExit(f"made-up region {made_up} is not a new region of {pid}")
        extra.append(made_up)
    for pid in MADE_UP:
        if pid not in {p["id"] for p in partitions}:
            print(f"endpoint oracle: partition {pid} is gone from botocore", file=sys.stderr)
    for region in UNKNOWN:
        if any(re.match(p["regionRegex"], region) for p in partitions):
            raise SystemExit(f"{region} matches a partition; it is meant not to")
    if "aws-global" not in found:
        found.append("aws-global")
    return found + extra + UNKNOWN


class FakeRaw:
    """Just enough of urllib3's response for AWSResponse.content."""

    def __init__(self, body):
        self._body = body

    def stream(self, *args, **kwargs):
        yield self._body


def resolve(session, service, region, fips, dualstack):
    from botocore.awsrequest import AWSResponse
    from botocore.config import Config

    operation, protocol, body = SERVICES[service]
    entry = {"service": service, "region": region, "fips": fips, "dualstack": dualstack}
    seen = {}

    def intercept(request, **kwargs):
        seen["url"] = request.url
        auth = request.headers.get("Authorization")
        if isinstance(auth, bytes):
            auth = auth.decode()
        match = CREDENTIAL_SCOPE.search(auth or "")
        seen["signing_region"] = match.group(1) if match else None
        seen["signing_name"] = match.group(2) if match else None
        content_type = "text/xml" if protocol == "query" else "application/x-amz-json-1.1"
        return AWSResponse(request.url, 200,
                           {"Content-Type": content_type, "x-amzn-RequestId": "oracle"},
                           FakeRaw(body))

    try:
        client = session.create_client(
            service, region_name=region,
            config=Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack,
                          retries={"max_attempts": 1, "mode": "standard"}),
            aws_access_key_id="AKID", aws_secret_access_key="s")
        client.meta.events.register("before-send", intercept)
        getattr(client, operation)()
    except Exception as error:  # botocore's refusal, recorded as the answer
        if "url" not in seen:
            entry["error"] = str(error)
            return entry
        raise  # the request was built: a failure afterwards is a bug in this script
    parts = urlsplit(seen["url"])
    entry["url"] = f"{parts.scheme}://{parts.netloc}/"
    entry["signing_region"] = seen["signing_region"]
    if seen["signing_name"] != service:
        raise SystemExit(f"{service} {region}: signed for {seen['signing_name']!r}")
    return entry


def oracle():
    scrub_environment()
    import botocore.session

    session = botocore.session.Session()
    entries = []
    for service in SERVICES:
        for region in regions(session.get_component("data_loader")):
            for fips in (False, True):
                for dualstack in (False, True):
                    entries.append(resolve(session, service, region, fips, dualstack))
    return entries


def key(entry):
    return (entry.get("service"), entry.get("region"), entry.get("fips"), entry.get("dualstack"))


def show(entry):
    if "error" in entry:
        return f"error {entry['error']!r}"
    return f"{entry.get('url')} signed {entry.get('signing_region')}"


def compare(path):
    with open(path) as handle:
        theirs = json.load(handle)
    ours = oracle()
    expected = {key(entry): entry for entry in ours}
    differences = []
    answered = {}
    if not isinstance(theirs, list):
        theirs = []
        differences.append(f"{path}: not a JSON array")
    for entry in theirs:
        if not isinstance(entry, dict):
            differences.append(f"not an object: {entry!r}")
            continue
        k = key(entry)
        label = "{}/{}/fips={}/dualstack={}".format(*k)
        if k in answered:
            differences.append(f"{label}: answered twice")
            continue
        answered[k] = entry
        want = expected.get(k)
        if want is None:
            differences.append(f"{label}: not a combination of the oracle")
        elif ("error" in want) != ("error" in entry):
            differences.append(f"{label}: botocore {show(want)}, exporter {show(entry)}")
        elif "error" not in want and (want["url"] != entry.get("url")
                                      or want["signing_region"] != entry.get("signing_region")):
            differences.append(f"{label}: botocore {show(want)}, exporter {show(entry)}")
    for k, want in expected.items():
        if k not in answered:
            differences.append("{}/{}/fips={}/dualstack={}: missing (botocore {})".format(*k, show(want)))
    for line in differences:
        print(line)
    print(f"endpoint oracle: {len(ours)} combinations, {len(differences)} differences")
    return 0 if not differences else 1


def main(argv):
    if len(argv) == 2 and argv[0] == "--compare":
        return compare(argv[1])
    if argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    json.dump(oracle(), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
