#!/usr/bin/env python3
"""Differential test of AWS credential-chain and region resolution: botocore versus the exporter.

The README says the exporter finds credentials "the way the AWS SDKs find them". This script backs
that claim: it builds a few hundred configurations (environment variables, shared config and
credentials files, web identity token files, container and instance metadata endpoints), asks
botocore (in-process, the oracle) which credentials and region each one yields, runs
`workspaces_exporter --aws.check-credentials` on the same configuration and reports every case where
the two disagree on the credential method, the access key (masked, last 4 characters), success versus
failure, or the region.

Everything runs in a private network namespace (`unshare -n`, re-executed automatically; needs root):
fakes of STS, the EC2 instance metadata service and the container credentials endpoint listen on the
real AWS link-local addresses and on loopback, and nothing else is reachable. Fake answers are
deterministic and the STS fake derives the returned key from the role and the caller's key (or web
identity token), so a wrong source credential shows up as a different key.

The exporter's region rule deliberately extends botocore's: `--aws.region`, then AWS_REGION, then what
botocore finds (AWS_DEFAULT_REGION, the profile's `region` in the merged files), then instance metadata.

Usage:
  credential_oracle.py [--exporter PATH] [--seed N] [--count N]   # full comparison
  credential_oracle.py --botocore-only                           # the oracle's answers alone
  credential_oracle.py --list [-v]                                # the cases
  credential_oracle.py --case N [-v]                              # one case, in detail
Exit status: 0 when no case differs and at least 200 ran, 1 otherwise, 2 when it cannot run.
"""
import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

NAMESPACE_MARKER = "CREDENTIAL_ORACLE_IN_NETNS"
IMDS_ADDRESS = "169.254.169.254"
ECS_ADDRESS = "169.254.170.2"
MIN_CASES = 200
DEFAULT_COUNT = 300

ACCOUNT = "123456789012"
IMDS_REGION = "ap-southeast-2"
IMDS_ROLE = "oracle-instance-role"
IMDS_TOKEN = "oracle-imds-token-v2"
RELATIVE_URI = "/v2/credentials/oracle-task"
FULL_URI_PATH = "/v1/credentials/oracle-pod"
ENV_AUTH_TOKEN = "oracle-env-authorization"
FILE_AUTH_TOKEN = "oracle-file-authorization"
ENV_WEB_TOKEN = "env-web-identity-token"
PROFILE_WEB_TOKEN = "profile-web-identity-token"


def key_id(label, last4, prefix="AKIA"):
    """A 20-character access key id whose last 4 characters name its source."""
    return prefix + label.ljust(12, "0") + last4


ENV_KEY = key_id("ENV", "E001")
TARGET_KEY = {"credentials": key_id("CREDTARGET", "C002"), "config": key_id("CONFTARGET", "F003")}
SOURCE_KEY = {"credentials": key_id("CREDSOURCE", "S004"), "config": key_id("CONFSOURCE", "S005")}
DEFAULT_KEY = {"credentials": key_id("CREDDEFAULT", "D006"), "config": key_id("CONFDEFAULT", "D007")}
DECOY_KEY = {"credentials": key_id("DECOYCRED", "X008"), "config": key_id("DECOYCONF", "X009")}
PROCESS_KEY = {"config": key_id("PROCCONF", "P010"), "credentials": key_id("PROCCRED", "P012")}
SOURCE_PROCESS_KEY = key_id("PROCSOURCE", "P011")
OTHER_KEY = key_id("OTHERPROF", "O013")
IMDS_KEY = key_id("IMDS", "ABCD", prefix="ASIA")
CONTAINER_KEY = {"relative": key_id("CONTREL", "CR01", prefix="ASIA"),
                 "full": key_id("CONTFULL", "CF02", prefix="ASIA")}
PROFILE_REGION = {"config": "eu-west-1", "credentials": "eu-north-1"}
DECOY_REGION = "sa-east-1"
FLAG_REGION = "us-west-2"
ENV_REGION = "eu-central-1"
ENV_DEFAULT_REGION = "ca-central-1"


def role_arn(name):
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


ROLE = {name: role_arn(f"oracle-{name}") for name in
        ("target", "mid", "env-web", "profile-web", "denied")}

HELPER_SCRIPT = """\
import datetime, json, sys
if sys.argv[1] == "--fail":
    sys.stderr.write("credential helper refuses\\n")
    sys.exit(1)
answer = {"Version": 1, "AccessKeyId": sys.argv[1], "SecretAccessKey": "secret-" + sys.argv[1]}
if "--version2" in sys.argv:
    answer["Version"] = 2
if "--expiring" in sys.argv:
    answer["SessionToken"] = "token-" + sys.argv[1]
    answer["Expiration"] = (datetime.datetime.now(datetime.timezone.utc)
                            + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps(answer))
"""


def iso_in_one_hour():
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    return later.strftime("%Y-%m-%dT%H:%M:%SZ")


def masked(access_key):
    return "*" * 16 + access_key[-4:]


# ----------------------------------------------------------------------------------------------
# Fakes
# ----------------------------------------------------------------------------------------------

class FakeState:
    """What the fakes answer in the current case, and what they were asked."""

    def __init__(self):
        self.lock = threading.Lock()
        self.container_token = None   # Authorization value required, or None
        self.container_status = 200
        self.imds_mode = "absent"     # v2 | v1-only | no-role | absent
        self.requests = []

    def record(self, line):
        with self.lock:
            self.requests.append(line)

    def mark(self):
        with self.lock:
            return len(self.requests)

    def since(self, mark):
        with self.lock:
            return list(self.requests[mark:])


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, state, label):
        super().__init__(address, handler)
        self.state = state
        self.label = label


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "credential-oracle-fake"
    sys_version = ""

    def log_message(self, *_):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, body, content_type="text/plain", extra_headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    def note(self, outcome):
        self.server.state.record(f"{self.server.label} {self.command} {self.path} -> {outcome}")


def sts_access_key(*parts):
    return "ASIA" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:16].upper()


class StsHandler(FakeHandler):
    """AssumeRole and AssumeRoleWithWebIdentity, query protocol (and JSON, should a client use it)."""

    XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

    def do_POST(self):
        body = self.read_body()
        target = self.headers.get("X-Amz-Target", "")
        json_protocol = bool(target) or "json" in self.headers.get("Content-Type", "")
        if json_protocol:
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = {}
            action = target.rsplit(".", 1)[-1]
        else:
            params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(errors="replace")).items()}
            action = params.get("Action", "")
        self.answer(action, params, json_protocol)

    def do_GET(self):
        query = urllib.parse.urlsplit(self.path).query
        params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
        self.answer(params.get("Action", ""), params, False)

    def answer(self, action, params, json_protocol):
        role = params.get("RoleArn", "")
        session = params.get("RoleSessionName", "")
        if action == "AssumeRole":
            match = re.search(r"Credential=([^/,\s]+)/", self.headers.get("Authorization", ""))
            if not match:
                return self.error(400, "MissingAuthenticationToken", "Request is missing Authentication Token",
                                  json_protocol)
            source = match.group(1)
            basis = (role, source)
            detail = f"role={role} source={source}"
        elif action == "AssumeRoleWithWebIdentity":
            token = params.get("WebIdentityToken", "").strip()
            if not token:
                return self.error(400, "ValidationError", "WebIdentityToken is required", json_protocol)
            basis = (role, token)
            detail = f"role={role} token={token}"
        else:
            return self.error(400, "InvalidAction", f"Could not find operation {action}", json_protocol)
        if not role or not session:
            return self.error(400, "ValidationError", "RoleArn and RoleSessionName are required", json_protocol)
        if role == ROLE["denied"]:
            return self.error(403, "AccessDenied", f"Not authorized to perform sts:{action} on {role}", json_protocol)
        access_key = sts_access_key(*basis)
        self.note(f"{action} {detail} {access_key}")
        credentials = {"AccessKeyId": access_key, "SecretAccessKey": "secret-" + access_key,
                       "SessionToken": "session-" + access_key, "Expiration": iso_in_one_hour()}
        role_name = role.rsplit("/", 1)[-1]
        user = {"Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}",
                "AssumedRoleId": f"AROAORACLE{access_key[-8:]}:{session}"}
        result = {"Credentials": credentials, "AssumedRoleUser": user}
        if action == "AssumeRoleWithWebIdentity":
            result.update(SubjectFromWebIdentityToken="system:serviceaccount:oracle:exporter",
                          Audience="sts.amazonaws.com", Provider="oidc.oracle.example")
        request_id = hashlib.sha256(f"{action}|{role}|{access_key}".encode()).hexdigest()[:32]
        if json_protocol:
            result["Credentials"] = dict(credentials, Expiration=int(
                datetime.datetime.now(datetime.timezone.utc).timestamp()) + 3600)
            return self.reply(200, json.dumps(result), "application/x-amz-json-1.0",
                              [("x-amzn-RequestId", request_id)])

        def xml(mapping):
            return "".join(f"<{k}>{xml(v) if isinstance(v, dict) else xml_escape(str(v))}</{k}>"
                           for k, v in mapping.items())
        document = (f'<{action}Response xmlns="{self.XMLNS}"><{action}Result>{xml(result)}</{action}Result>'
                    f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>")
        self.reply(200, document, "text/xml", [("x-amzn-RequestId", request_id)])

    def error(self, status, code, message, json_protocol):
        self.note(f"{status} {code}")
        if json_protocol:
            return self.reply(status, json.dumps({"__type": code, "message": message}),
                              "application/x-amz-json-1.0", [("x-amzn-query-error", f"{code};Sender")])
        document = (f'<ErrorResponse xmlns="{self.XMLNS}"><Error><Type>Sender</Type><Code>{code}</Code>'
                    f"<Message>{xml_escape(message)}</Message></Error><RequestId>oracle</RequestId></ErrorResponse>")
        self.reply(status, document, "text/xml")


class ContainerHandler(FakeHandler):
    """ECS task role / EKS Pod Identity endpoint; the key names the endpoint (relative or full URI)."""

    def do_GET(self):
        state = self.server.state
        expected_path = RELATIVE_URI if self.server.label == "container-relative" else FULL_URI_PATH
        if self.path != expected_path:
            self.note("404")
            return self.reply(404, '{"code":"NotFound"}', "application/json")
        with state.lock:
            token, status = state.container_token, state.container_status
        if token is not None and self.headers.get("Authorization") != token:
            self.note(f"403 (Authorization {self.headers.get('Authorization')!r})")
            return self.reply(403, '{"code":"AccessDenied","message":"bad authorization"}', "application/json")
        if status != 200:
            self.note(str(status))
            return self.reply(status, '{"code":"InternalError","message":"oracle says no"}', "application/json")
        access_key = CONTAINER_KEY["relative" if self.server.label == "container-relative" else "full"]
        sent = self.headers.get("Authorization")
        self.note(f"200 {access_key}" + (f" (Authorization {sent!r})" if sent is not None else ""))
        self.reply(200, json.dumps({
            "RoleArn": role_arn("oracle-task"), "AccessKeyId": access_key,
            "SecretAccessKey": "secret-" + access_key, "Token": "token-" + access_key,
            "Expiration": iso_in_one_hour()}), "application/json")


class ImdsHandler(FakeHandler):
    """EC2 instance metadata, IMDSv2 (or v1 only, or without an instance role)."""

    def do_PUT(self):
        self.read_body()
        mode = self.server.state.imds_mode
        if self.path != "/latest/api/token":
            self.note("404")
            return self.reply(404, "Not Found")
        if mode == "v1-only":
            self.note("403")
            return self.reply(403, "Forbidden")
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self.note("400")
            return self.reply(400, "Bad Request")
        self.note("200 token")
        self.reply(200, IMDS_TOKEN, extra_headers=[("X-aws-ec2-metadata-token-ttl-seconds", "21600")])

    def do_GET(self):
        mode = self.server.state.imds_mode
        token = self.headers.get("X-aws-ec2-metadata-token")
        if (token is not None and token != IMDS_TOKEN) or (token is None and mode != "v1-only"):
            self.note("401")
            return self.reply(401, "Unauthorized")
        prefix = "/latest/meta-data/iam/security-credentials/"
        if self.path == "/latest/meta-data/placement/region":
            body = IMDS_REGION
        elif self.path == "/latest/dynamic/instance-identity/document":
            body = json.dumps({"region": IMDS_REGION, "accountId": ACCOUNT, "instanceId": "i-0oracle"})
        elif self.path in (prefix, prefix.rstrip("/")) and mode != "no-role":
            body = IMDS_ROLE
        elif self.path == prefix + IMDS_ROLE and mode != "no-role":
            body = json.dumps({"Code": "Success", "LastUpdated": iso_in_one_hour(), "Type": "AWS-HMAC",
                               "AccessKeyId": IMDS_KEY, "SecretAccessKey": "secret-" + IMDS_KEY,
                               "Token": "token-" + IMDS_KEY, "Expiration": iso_in_one_hour()})
        else:
            self.note("404")
            return self.reply(404, "Not Found")
        self.note("200")
        self.reply(200, body)


class Fakes:
    """The servers of one run; IMDS is started and stopped as cases need it."""

    def __init__(self):
        self.state = FakeState()
        self.sts = self._start(("127.0.0.1", 0), StsHandler, "sts")
        self.container_full = self._start(("127.0.0.1", 0), ContainerHandler, "container-full")
        self.container_relative = self._start((ECS_ADDRESS, 80), ContainerHandler, "container-relative")
        self.imds = None

    def _start(self, address, handler, label):
        server = FakeServer(address, handler, self.state, label)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server

    @staticmethod
    def _stop(server):
        server.shutdown()
        server.server_close()

    def configure(self, case):
        with self.state.lock:
            self.state.container_token = case.container_token
            self.state.container_status = case.container_status
            self.state.imds_mode = case.imds
        if case.imds == "absent" and self.imds is not None:
            self._stop(self.imds)
            self.imds = None
        elif case.imds != "absent" and self.imds is None:
            self.imds = self._start((IMDS_ADDRESS, 80), ImdsHandler, "imds")

    def placeholders(self, home):
        return {"@HOME@": home, "@PYTHON@": sys.executable,
                "@STSPORT@": str(self.sts.server_address[1]),
                "@CONTAINERPORT@": str(self.container_full.server_address[1])}

    def close(self):
        for server in (self.sts, self.container_full, self.container_relative, self.imds):
            if server is not None:
                self._stop(server)


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Case:
    number: int
    origin: str                 # matrix | edge
    title: str
    env: dict                   # values may hold @HOME@, @STSPORT@, @CONTAINERPORT@
    files: dict                 # path under HOME -> text (may hold @HOME@, @PYTHON@)
    region_flag: str = None
    imds: str = "absent"        # absent | v2 | v1-only | no-role
    container_status: int = 200
    container_token: str = None
    dimensions: dict = None     # the generator's choices (matrix cases)

    def imds_gives_region(self):
        if self.imds == "absent" or self.env.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true":
            return False
        return not (self.imds == "v1-only" and self.env.get("AWS_EC2_METADATA_V1_DISABLED", "").lower() == "true")


def process_command(*args):
    return " ".join(["@PYTHON@", "@HOME@/bin/credential-helper.py", *args])


class CaseBuilder:
    """Accumulates environment, profiles (per file) and extra files of one case."""

    FILE_ENV = {"config": "AWS_CONFIG_FILE", "credentials": "AWS_SHARED_CREDENTIALS_FILE"}
    DEFAULT_PATH = {"config": ".aws/config", "credentials": ".aws/credentials"}

    def __init__(self, config="here", credentials="here"):
        # per file: absent | empty | here | elsewhere | missing
        self.modes = {"config": config, "credentials": credentials}
        self.env = {"HOME": "@HOME@"}
        self.profiles = {"config": {}, "credentials": {}}
        self.files = {"bin/credential-helper.py": HELPER_SCRIPT}
        self.raw = {}
        self.dropped = []
        self.case = {}

    def usable(self, file):
        return self.modes[file] in ("here", "elsewhere")

    def profile(self, file, name, **values):
        if not self.usable(file):
            self.dropped.append(f"{name}@{file}")
            return
        self.profiles[file].setdefault(name, {}).update(values)

    def aux_file(self, preferred):
        """Where a referenced profile goes: the preferred file unless only the other one is usable."""
        other = "credentials" if preferred == "config" else "config"
        return preferred if self.usable(preferred) or not self.usable(other) else other

    def kind(self, file, name, kind, aux_preferred, region=False, extras=False):
        """Adds profile `name` of a kind (and the profiles it refers to) to `file`."""
        if kind == "none":
            return
        aux = self.aux_file(aux_preferred)
        keys = {"aws_access_key_id": TARGET_KEY[file], "aws_secret_access_key": "secret-" + TARGET_KEY[file]}
        role_extras = ({"role_session_name": "oracle-profile-session", "external_id": "oracle-external",
                        "duration_seconds": "3600"} if extras else {})
        body = {}
        if kind == "empty_section":
            pass
        elif kind == "static":
            body = keys
        elif kind == "static_token":
            body = dict(keys, aws_session_token="session-" + TARGET_KEY[file])
        elif kind == "region_only":
            body = {"region": PROFILE_REGION[file]}
        elif kind == "partial_keys":
            body = {"aws_access_key_id": TARGET_KEY[file]}
        elif kind.startswith("role_src_") or kind in ("role_chain", "role_loop", "role_missing_src"):
            source = {"role_chain": "mid", "role_loop": "loop-b", "role_missing_src": "nowhere"}.get(kind, "src")
            body = dict(role_extras, role_arn=ROLE["target"], source_profile=source)
            if kind == "role_src_static" or kind == "role_chain":
                self.profile(aux, "src", aws_access_key_id=SOURCE_KEY[aux],
                             aws_secret_access_key="secret-" + SOURCE_KEY[aux])
            if kind == "role_chain":
                self.profile(aux, "mid", role_arn=ROLE["mid"], source_profile="src")
            elif kind == "role_src_region_only":
                self.profile(aux, "src", region=PROFILE_REGION[aux])
            elif kind == "role_src_process":
                self.profile(aux, "src", credential_process=process_command(SOURCE_PROCESS_KEY))
            elif kind == "role_loop":
                self.profile(aux, "loop-b", role_arn=ROLE["mid"], source_profile=name)
        elif kind == "role_self":
            body = dict(keys, **role_extras, role_arn=ROLE["target"], source_profile=name)
        elif kind.startswith("role_cs_"):
            source = {"role_cs_env": "Environment", "role_cs_imds": "Ec2InstanceMetadata",
                      "role_cs_ecs": "EcsContainer", "role_cs_invalid": "Ec2Magic"}[kind]
            body = dict(role_extras, role_arn=ROLE["target"], credential_source=source)
        elif kind == "process_ok":
            body = {"credential_process": process_command(PROCESS_KEY[file])}
        elif kind == "process_fail":
            body = {"credential_process": process_command("--fail")}
        elif kind == "web_identity":
            body = dict(role_arn=ROLE["profile-web"], web_identity_token_file="@HOME@/tokens/profile-web")
            if extras:
                body["role_session_name"] = "oracle-profile-session"
            self.files["tokens/profile-web"] = PROFILE_WEB_TOKEN
        else:
            raise ValueError(kind)
        if region:
            body["region"] = PROFILE_REGION[file]
        self.profile(file, name, **body)

    def container(self, uris, auth, status=200):
        if uris in ("relative", "both"):
            self.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = RELATIVE_URI
        if uris in ("full", "both"):
            self.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = f"http://127.0.0.1:@CONTAINERPORT@{FULL_URI_PATH}"
        if auth in ("env", "both"):
            self.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = ENV_AUTH_TOKEN
            self.case["container_token"] = ENV_AUTH_TOKEN
        if auth in ("file", "both"):
            self.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "@HOME@/tokens/container-auth"
            self.files["tokens/container-auth"] = FILE_AUTH_TOKEN
            self.case["container_token"] = FILE_AUTH_TOKEN
        self.case["container_status"] = status

    def web_env(self, mode):
        if mode in ("full", "full_session", "token_only"):
            self.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "@HOME@/tokens/env-web"
            self.files["tokens/env-web"] = ENV_WEB_TOKEN
        if mode in ("full", "full_session", "role_only"):
            self.env["AWS_ROLE_ARN"] = ROLE["env-web"]
        if mode == "full_session":
            self.env["AWS_ROLE_SESSION_NAME"] = "oracle-env-session"

    @staticmethod
    def render(file, profiles):
        lines = []
        for name, values in profiles.items():
            header = name if file == "credentials" or name == "default" else f"profile {name}"
            lines.append(f"[{header}]")
            lines.extend(f"{key} = {value}" for key, value in values.items())
            lines.append("")
        return "\n".join(lines)

    def build(self, number, origin, title, **case_fields):
        files = dict(self.files)
        for file in ("config", "credentials"):
            mode = self.modes[file]
            decoy_key = DECOY_KEY[file]
            decoy = self.render(file, {name: {"aws_access_key_id": decoy_key,
                                              "aws_secret_access_key": "secret-" + decoy_key,
                                              "region": DECOY_REGION} for name in ("default", "oracle")})
            if mode == "here":
                files[self.DEFAULT_PATH[file]] = self.render(file, self.profiles[file])
            elif mode == "empty":
                files[self.DEFAULT_PATH[file]] = ""
            elif mode == "elsewhere":
                self.env[self.FILE_ENV[file]] = f"@HOME@/alt/{file}.ini"
                files[f"alt/{file}.ini"] = self.render(file, self.profiles[file])
                files[self.DEFAULT_PATH[file]] = decoy
            elif mode == "missing":
                self.env[self.FILE_ENV[file]] = f"@HOME@/alt/no-such-{file}"
                files[self.DEFAULT_PATH[file]] = decoy
        files.update(self.raw)
        fields = dict(self.case, **case_fields)
        return Case(number, origin, title, dict(self.env), files, **fields)


TARGET_KINDS = ("none", "empty_section", "static", "static_token", "region_only", "region_only", "partial_keys",
                "role_src_static", "role_src_region_only", "role_src_process", "role_chain", "role_self",
                "role_loop", "role_missing_src", "role_cs_env", "role_cs_imds", "role_cs_ecs",
                "role_cs_invalid", "process_ok", "process_fail", "web_identity")
SECOND_KINDS = ("static", "static_token", "region_only", "process_ok", "role_src_static", "web_identity")
FILE_MODES = ("absent", "empty", "here", "here", "here", "here", "elsewhere", "missing")

MATRIX_DIMENSIONS = {
    "env_keys": ("all", "key_only", "secret_only", "absent", "absent", "absent"),
    "session_token": (False, True),
    "profile_var": ("unset", "unset", "existing", "existing", "existing", "missing", "default"),
    "config": FILE_MODES,
    "credentials": FILE_MODES,
    "target_file": ("config", "credentials", "both", "both_swapped"),
    "target_kind": TARGET_KINDS,
    "second_kind": SECOND_KINDS,
    "aux_file": ("config", "credentials"),
    "default_noise": (False, True),
    "profile_region": (False, True),
    "role_extras": (False, True),
    "web_env": ("none", "none", "none", "full", "full_session", "token_only", "role_only"),
    "container": ("none", "none", "none", "relative", "full", "both"),
    "container_auth": ("none", "env", "file", "both"),
    "container_status": (200,) * 10 + (403, 500),
    "imds": ("absent", "absent", "v2", "v2", "no-role", "v1-only"),
    "region_flag": (None, None, None, FLAG_REGION),
    "aws_region": (None, None, None, ENV_REGION),
    "aws_default_region": (None, None, ENV_DEFAULT_REGION),
}


def balanced_choices(rng, count):
    """Per dimension, every value about equally often (in proportion to its repeats), shuffled."""
    columns = {}
    for name, values in MATRIX_DIMENSIONS.items():
        column = (list(values) * (count // len(values) + 1))[:count]
        rng.shuffle(column)
        columns[name] = column
    return [{name: column[i] for name, column in columns.items()} for i in range(count)]


def matrix_case(number, choice):
    c = choice
    b = CaseBuilder(config=c["config"], credentials=c["credentials"])
    target = "oracle" if c["profile_var"] in ("existing", "missing") else "default"
    if c["profile_var"] != "unset":
        b.env["AWS_PROFILE"] = {"existing": "oracle", "missing": "ghost", "default": "default"}[c["profile_var"]]
    if c["env_keys"] in ("all", "key_only"):
        b.env["AWS_ACCESS_KEY_ID"] = ENV_KEY
    if c["env_keys"] in ("all", "secret_only"):
        b.env["AWS_SECRET_ACCESS_KEY"] = "secret-" + ENV_KEY
    if c["env_keys"] != "absent" and c["session_token"]:
        b.env["AWS_SESSION_TOKEN"] = "session-" + ENV_KEY
    first, second = (("config", "credentials") if c["target_file"] in ("config", "both")
                     else ("credentials", "config"))
    if not b.usable(first) and b.usable(second):
        first, second = second, first
    b.kind(first, target, c["target_kind"], c["aux_file"], c["profile_region"], c["role_extras"])
    if c["target_file"].startswith("both"):
        b.kind(second, target, c["second_kind"], c["aux_file"], c["profile_region"], c["role_extras"])
    if c["default_noise"] and target != "default":
        noise_file = b.aux_file(c["aux_file"])
        b.profile(noise_file, "default", aws_access_key_id=DEFAULT_KEY[noise_file],
                      aws_secret_access_key="secret-" + DEFAULT_KEY[noise_file])
    b.web_env(c["web_env"])
    if c["container"] != "none":
        b.container(c["container"], c["container_auth"], c["container_status"])
    if c["aws_region"]:
        b.env["AWS_REGION"] = c["aws_region"]
    if c["aws_default_region"]:
        b.env["AWS_DEFAULT_REGION"] = c["aws_default_region"]
    placement = c["target_kind"] + "@" + first
    if c["target_file"].startswith("both"):
        placement += f"+{c['second_kind']}@{second}"
    parts = [f"keys={c['env_keys']}", f"AWS_PROFILE={b.env.get('AWS_PROFILE', '-')}",
             f"config={c['config']}", f"credentials={c['credentials']}", placement,
             f"web={c['web_env']}", f"imds={c['imds']}"]
    if c["container"] != "none":
        parts.append(f"container={c['container']}/{c['container_auth']}/{c['container_status']}")
    regions = [label for label, on in (("flag", c["region_flag"]), ("AWS_REGION", c["aws_region"]),
               ("AWS_DEFAULT_REGION", c["aws_default_region"]), ("profile", c["profile_region"])) if on]
    parts.append("region=" + ("+".join(regions) or "-"))
    if b.dropped:
        parts.append("dropped=" + ",".join(b.dropped))
    return b.build(number, "matrix", " ".join(parts), region_flag=c["region_flag"], imds=c["imds"],
                   dimensions=dict(c))


def edge_cases(first_number):
    """Hand-written cases for precedence rules and failure modes the matrix reaches only by luck."""
    cases = []

    def add(title, b, **fields):
        cases.append(b.build(first_number + len(cases), "edge", title, **fields))

    def static(b, file, name, key):
        b.profile(file, name, aws_access_key_id=key, aws_secret_access_key="secret-" + key)

    # The main bug: a region-only profile must not end the chain.
    b = CaseBuilder()
    b.profile("config", "default", region="eu-west-1")
    add("region-only default profile, then instance metadata", b, imds="v2")
    b = CaseBuilder()
    b.profile("config", "oracle", region="eu-west-1")
    b.env["AWS_PROFILE"] = "oracle"
    b.container("relative", "none")
    add("region-only named profile, then the container endpoint", b, imds="v2")
    b = CaseBuilder()
    b.profile("config", "default", region="eu-west-1")
    add("region-only profile and nothing else: no credentials", b)
    b = CaseBuilder(config="absent")
    b.profile("credentials", "default", region="eu-north-1")
    add("region-only profile in the credentials file, then instance metadata", b, imds="v1-only")
    b = CaseBuilder()
    b.profile("config", "oracle", region="eu-west-1")
    static(b, "credentials", "default", DEFAULT_KEY["credentials"])
    b.env["AWS_PROFILE"] = "oracle"
    add("region-only named profile never falls back to [default]", b)

    # Profile selection.
    b = CaseBuilder()
    static(b, "credentials", "oracle", TARGET_KEY["credentials"])
    static(b, "credentials", "other", OTHER_KEY)
    b.env.update(AWS_PROFILE="oracle", AWS_DEFAULT_PROFILE="other")
    add("AWS_DEFAULT_PROFILE and AWS_PROFILE both set (botocore reads AWS_DEFAULT_PROFILE first)", b)
    b = CaseBuilder()
    static(b, "credentials", "other", OTHER_KEY)
    b.env["AWS_DEFAULT_PROFILE"] = "other"
    add("AWS_DEFAULT_PROFILE alone", b)
    b = CaseBuilder(credentials="absent")
    b.raw[".aws/config"] = f"[oracle]\naws_access_key_id = {TARGET_KEY['config']}\naws_secret_access_key = s\n"
    b.env["AWS_PROFILE"] = "oracle"
    add("config section [oracle] without 'profile ' is not a profile", b, imds="v2")
    b = CaseBuilder(config="absent")
    b.raw[".aws/credentials"] = (f"[profile oracle]\naws_access_key_id = {TARGET_KEY['credentials']}\n"
                                 "aws_secret_access_key = s\n")
    b.env["AWS_PROFILE"] = "oracle"
    add("credentials section [profile oracle] names 'profile oracle'", b)
    b = CaseBuilder(credentials="absent")
    b.raw[".aws/config"] = (f"[profile default]\naws_access_key_id = {TARGET_KEY['config']}\n"
                            "aws_secret_access_key = s\nregion = eu-west-1\n")
    add("config section [profile default] is the default profile", b)
    b = CaseBuilder(config="absent", credentials="absent")
    b.env.update(AWS_PROFILE="default", AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY="secret")
    add("AWS_PROFILE=default without any default profile, env keys set", b, region_flag=FLAG_REGION)
    b = CaseBuilder(config="absent", credentials="absent")
    b.env.update(AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY="secret")
    add("no AWS_PROFILE, no files, env keys", b)
    b = CaseBuilder(config="absent")
    b.raw[".aws/credentials"] = (f"[default]\nAWS_ACCESS_KEY_ID = {TARGET_KEY['credentials']}\n"
                                 "AWS_Secret_Access_Key = s\n")
    add("upper-case option names in the credentials file", b, imds="v2")

    # Shared files: order inside a profile.
    b = CaseBuilder()
    static(b, "credentials", "default", TARGET_KEY["credentials"])
    b.profile("config", "default", credential_process=process_command(PROCESS_KEY["config"]))
    add("credentials-file keys beat credential_process in config", b)
    b = CaseBuilder()
    static(b, "config", "default", TARGET_KEY["config"])
    b.profile("credentials", "default", credential_process=process_command(PROCESS_KEY["credentials"]))
    add("credential_process (credentials file) beats config-file keys", b)
    b = CaseBuilder()
    b.profile("credentials", "default", aws_access_key_id=TARGET_KEY["credentials"])
    static(b, "config", "default", TARGET_KEY["config"])
    add("access key without secret in the credentials file, full keys in config", b)
    b = CaseBuilder()
    b.profile("credentials", "default", aws_secret_access_key="secret-only")
    static(b, "config", "default", TARGET_KEY["config"])
    add("secret without access key in the credentials file, full keys in config", b)
    b = CaseBuilder()
    static(b, "credentials", "default", TARGET_KEY["credentials"])
    b.profile("config", "default", role_arn=ROLE["target"], source_profile="src")
    static(b, "config", "src", SOURCE_KEY["config"])
    add("role_arn in config beats keys in the credentials file (same profile)", b)
    b = CaseBuilder()
    b.profile("config", "default", region="eu-west-1")
    b.profile("credentials", "default", region="eu-north-1")
    static(b, "credentials", "default", TARGET_KEY["credentials"])
    add("region in both files: the credentials file wins", b)
    b = CaseBuilder()
    static(b, "config", "default", TARGET_KEY["config"])
    b.profile("config", "default", region="eu-west-1")
    b.env.update(AWS_REGION=ENV_REGION, AWS_DEFAULT_REGION=ENV_DEFAULT_REGION)
    add("every region source at once", b, region_flag=FLAG_REGION, imds="v2")
    b = CaseBuilder(config="absent")
    static(b, "credentials", "default", TARGET_KEY["credentials"])
    b.env["AWS_DEFAULT_REGION"] = ENV_DEFAULT_REGION
    add("AWS_DEFAULT_REGION beats instance metadata", b, imds="v2")

    # File locations.
    b = CaseBuilder(config="absent", credentials="absent")
    b.raw["alt/tilde-config"] = f"[default]\naws_access_key_id = {TARGET_KEY['config']}\naws_secret_access_key = s\n"
    b.env["AWS_CONFIG_FILE"] = "~/alt/tilde-config"
    add("AWS_CONFIG_FILE starting with ~ (botocore expands it)", b)
    b = CaseBuilder(config="absent", credentials="absent")
    b.raw["alt/var-credentials"] = (f"[default]\naws_access_key_id = {TARGET_KEY['credentials']}\n"
                                    "aws_secret_access_key = s\n")
    b.env["AWS_SHARED_CREDENTIALS_FILE"] = "$HOME/alt/var-credentials"
    add("AWS_SHARED_CREDENTIALS_FILE holding $HOME (botocore expands it)", b)

    # Assume role.
    b = CaseBuilder()
    b.profile("config", "default", role_arn=ROLE["target"], source_profile="src", credential_source="Environment")
    static(b, "config", "src", SOURCE_KEY["config"])
    add("role with both source_profile and credential_source", b)
    b = CaseBuilder()
    b.profile("config", "default", role_arn=ROLE["target"])
    add("role_arn without a source", b, imds="v2")
    b = CaseBuilder()
    b.profile("config", "default", role_arn=ROLE["target"], credential_source="environment")
    add("credential_source in lower case (botocore validates case-sensitively)", b)
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["target"], credential_source="Environment")
    b.env.update(AWS_PROFILE="oracle", AWS_ACCESS_KEY_ID=ENV_KEY)
    add("credential_source Environment with an access key but no secret", b)
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["target"], credential_source="EcsContainer")
    b.env["AWS_PROFILE"] = "oracle"
    add("credential_source EcsContainer without container variables", b, imds="v2")
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["target"], credential_source="Ec2InstanceMetadata")
    b.env["AWS_PROFILE"] = "oracle"
    add("credential_source Ec2InstanceMetadata over IMDSv1", b, imds="v1-only")
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["denied"], source_profile="src")
    static(b, "credentials", "src", SOURCE_KEY["credentials"])
    b.env["AWS_PROFILE"] = "oracle"
    add("STS refuses the role (AccessDenied)", b, imds="v2")
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["target"], source_profile="oracle")
    b.env["AWS_PROFILE"] = "oracle"
    add("source_profile naming itself without keys (loop)", b)
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["target"], source_profile="web")
    b.profile("config", "web", role_arn=ROLE["profile-web"], web_identity_token_file="@HOME@/tokens/profile-web")
    b.files["tokens/profile-web"] = PROFILE_WEB_TOKEN
    b.env["AWS_PROFILE"] = "oracle"
    add("source profile with web identity", b)
    b = CaseBuilder()
    b.profile("config", "oracle", role_arn=ROLE["target"], source_profile="src")
    b.profile("config", "src", region="eu-west-1")
    b.env.update(AWS_PROFILE="oracle", AWS_ACCESS_KEY_ID=ENV_KEY, AWS_SECRET_ACCESS_KEY="secret")
    add("region-only source profile with env keys set (env keys win before the role)", b)
    b = CaseBuilder()
    b.profile("config", "default", role_arn=ROLE["target"], source_profile="src")
    b.profile("config", "src", region="eu-west-1")
    b.env.update(AWS_ACCESS_KEY_ID=ENV_KEY)
    add("region-only source profile, env access key without secret", b, imds="v2")

    # Web identity.
    b = CaseBuilder()
    b.web_env("full")
    b.env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "@HOME@/tokens/no-such-token"
    add("env web identity with a missing token file", b, imds="v2")
    b = CaseBuilder()
    b.web_env("token_only")
    b.profile("config", "default", role_arn=ROLE["profile-web"])
    add("env token file with role_arn only in the profile (botocore: assume-role wants a source)", b)
    b = CaseBuilder()
    b.web_env("token_only")
    add("env token file without any role", b, imds="v2")
    b = CaseBuilder()
    b.web_env("full")
    b.profile("config", "default", role_arn=ROLE["target"], source_profile="src")
    static(b, "config", "src", SOURCE_KEY["config"])
    add("profile role with source_profile beats env web identity", b)
    b = CaseBuilder()
    b.web_env("full_session")
    static(b, "credentials", "default", TARGET_KEY["credentials"])
    add("env web identity beats profile keys", b)
    b = CaseBuilder()
    b.web_env("role_only")
    b.profile("config", "default", web_identity_token_file="@HOME@/tokens/profile-web")
    b.files["tokens/profile-web"] = PROFILE_WEB_TOKEN
    add("profile web_identity_token_file with AWS_ROLE_ARN from env", b)
    b = CaseBuilder()
    b.web_env("full")
    b.env["AWS_PROFILE"] = "oracle"
    b.profile("config", "oracle", role_arn=ROLE["profile-web"], web_identity_token_file="@HOME@/tokens/profile-web")
    b.files["tokens/profile-web"] = PROFILE_WEB_TOKEN
    add("env web identity variables beat the profile's (each key separately)", b)

    # credential_process.
    b = CaseBuilder()
    b.profile("config", "default", credential_process=process_command(PROCESS_KEY["config"], "--version2"))
    add("credential_process answering Version 2", b, imds="v2")
    b = CaseBuilder()
    b.profile("config", "default", credential_process=process_command(PROCESS_KEY["config"], "--expiring"))
    add("credential_process with SessionToken and Expiration", b)
    b = CaseBuilder()
    b.profile("config", "default", credential_process=process_command("--fail"))
    b.container("relative", "none")
    add("failing credential_process does not fall through to the container", b, imds="v2")

    # Container endpoint.
    b = CaseBuilder(config="absent", credentials="absent")
    b.container("both", "none")
    add("relative and full URI: the relative one wins", b)
    b = CaseBuilder(config="absent", credentials="absent")
    b.container("full", "both")
    add("token file beats token variable", b)
    b = CaseBuilder(config="absent", credentials="absent")
    b.container("full", "file")
    b.files["tokens/container-auth"] = FILE_AUTH_TOKEN + "\n"
    add("token file ending in a newline (botocore refuses)", b, container_token=None)
    b = CaseBuilder(config="absent", credentials="absent")
    b.container("relative", "none")
    b.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "@HOME@/tokens/no-such-file"
    add("token file missing", b, container_token=None)
    b = CaseBuilder(config="absent", credentials="absent")
    b.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.10/v1/credentials"
    add("full URI on a host that is not allowed over http", b, imds="v2")
    b = CaseBuilder(config="absent", credentials="absent")
    b.container("relative", "env", status=500)
    add("container endpoint failing does not fall through to instance metadata", b, imds="v2")
    b = CaseBuilder(config="absent", credentials="absent")
    b.container("full", "env")
    add("container token refused (403)", b, container_token="something-else")

    # Instance metadata.
    b = CaseBuilder(config="absent", credentials="absent")
    add("IMDSv1 only (token request 403)", b, imds="v1-only")
    b = CaseBuilder(config="absent", credentials="absent")
    b.env["AWS_EC2_METADATA_V1_DISABLED"] = "true"
    add("IMDSv1 only with AWS_EC2_METADATA_V1_DISABLED=true", b, imds="v1-only")
    b = CaseBuilder(config="absent", credentials="absent")
    b.env["AWS_EC2_METADATA_DISABLED"] = "true"
    add("AWS_EC2_METADATA_DISABLED=true with IMDS up", b, imds="v2")
    b = CaseBuilder(config="absent", credentials="absent")
    add("IMDS up without an instance role: region only", b, imds="no-role")
    b = CaseBuilder(config="absent", credentials="absent")
    b.env["AWS_SESSION_TOKEN"] = "session-only"
    add("AWS_SESSION_TOKEN alone", b, imds="v2")
    return cases


def all_cases(seed, count):
    rng = random.Random(seed)
    cases = [matrix_case(i + 1, choice) for i, choice in enumerate(balanced_choices(rng, count))]
    return cases + edge_cases(len(cases) + 1)


# ----------------------------------------------------------------------------------------------
# Running one case
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    method: str = None
    key: str = None             # botocore: the access key; exporter: as printed (masked)
    error: str = None
    region: str = None
    region_error: str = None
    region_skipped: bool = False  # botocore raised while resolving the region: no comparison
    status: int = None
    stdout: str = ""
    stderr: str = ""
    requests: list = dataclasses.field(default_factory=list)


def substitute(text, values):
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def materialize(case, home, fakes):
    """Writes the case's files under `home`; returns its environment (with PATH)."""
    values = fakes.placeholders(home)
    for path, text in case.files.items():
        full = os.path.join(home, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(substitute(text, values))
    env = {name: substitute(value, values) for name, value in case.env.items()}
    env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:" + values["@STSPORT@"]
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    return env


def one_line(error):
    return f"{type(error).__name__}: " + " ".join(str(error).split())


def run_botocore(env, home):
    import botocore.credentials
    import botocore.session
    outcome = Outcome()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(home)
    try:
        try:
            outcome.region = botocore.session.Session().get_config_variable("region")
        except Exception as error:  # noqa: BLE001 - any failure is an outcome
            outcome.region_skipped = True
            outcome.region_error = one_line(error)
        try:
            session = botocore.session.Session()
            # Session.get_credentials() is create_credential_resolver(session, region_name=<region of the
            # last client>).load_credentials(). Without any region, botocore signs AssumeRole for the
            # global endpoint (us-east-1); against AWS_ENDPOINT_URL_STS it would raise NoRegionError
            # instead, an artefact of the fake endpoint, so give the STS client that region.
            resolver = botocore.credentials.create_credential_resolver(
                session, region_name=None if outcome.region else "us-east-1")
            credentials = resolver.load_credentials()
            if credentials is None:
                outcome.error = "no credentials (botocore returned None)"
            else:
                frozen = credentials.get_frozen_credentials()
                outcome.method, outcome.key = credentials.method, frozen.access_key
        except Exception as error:  # noqa: BLE001
            outcome.error = one_line(error)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
    return outcome


def parse_logfmt(line):
    """[(key, value or None)] of one logfmt line; quoted values may hold escapes."""
    pairs, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and line[i] not in " =":
            i += 1
        key, value = line[start:i], None
        if i < n and line[i] == "=":
            i += 1
            if i < n and line[i] == '"':
                i += 1
                chars = []
                while i < n and line[i] != '"':
                    if line[i] == "\\" and i + 1 < n:
                        i += 1
                        chars.append({"n": "\n", "t": "\t", "r": "\r"}.get(line[i], line[i]))
                    else:
                        chars.append(line[i])
                    i += 1
                i += 1
                value = "".join(chars)
            else:
                start = i
                while i < n and line[i] != " ":
                    i += 1
                value = line[start:i]
        pairs.append((key, value))
    return pairs


class ExporterUnsupported(Exception):
    pass


def run_exporter(exporter, case, env, home):
    command = [exporter, "--aws.check-credentials"]
    if case.region_flag:
        command += ["--aws.region", case.region_flag]
    outcome = Outcome()
    try:
        result = subprocess.run(command, env=env, cwd=home, timeout=30, capture_output=True, text=True,
                                errors="replace")
    except subprocess.TimeoutExpired as expired:
        outcome.error = outcome.region_error = "exporter timed out after 30 s"
        output = expired.stdout or ""
        outcome.stdout = output.decode(errors="replace") if isinstance(output, bytes) else output
        return outcome
    outcome.status, outcome.stdout, outcome.stderr = result.returncode, result.stdout, result.stderr
    if "--aws.check-credentials" in result.stderr and "nknown option" in result.stderr:
        raise ExporterUnsupported(result.stderr.strip())
    seen = set()
    for line in result.stdout.splitlines():
        pairs = parse_logfmt(line.strip())
        if not pairs or pairs[0][1] is not None or pairs[0][0] not in ("credentials", "region"):
            continue
        kind, fields = pairs[0][0], dict(pairs[1:])
        seen.add(kind)
        if kind == "credentials":
            if "error" in fields:
                outcome.error = fields["error"] or "(empty error)"
            else:
                outcome.method, outcome.key = fields.get("method"), fields.get("access_key_id")
        elif "error" in fields:
            outcome.region_error = fields["error"] or "(empty error)"
        else:
            outcome.region = fields.get("name")
    if "credentials" not in seen:
        outcome.error = "no credentials line in the output"
    if "region" not in seen:
        outcome.region_error = "no region line in the output"
    return outcome


def expected_region(case, env, oracle):
    """The exporter's region: flag, AWS_REGION, botocore's answer, instance metadata, else None."""
    return (case.region_flag or env.get("AWS_REGION") or oracle.region
            or (IMDS_REGION if case.imds_gives_region() else None))


def compare(case, env, oracle, exporter):
    differences = []
    oracle_ok = oracle.error is None
    exporter_ok = exporter.error is None and bool(exporter.method) and bool(exporter.key)
    if oracle_ok != exporter_ok:
        differences.append("credentials: botocore " + (f"{oracle.method} {masked(oracle.key)}" if oracle_ok
                                                       else f"failed ({oracle.error})")
                           + ", exporter " + (f"{exporter.method} {exporter.key}" if exporter_ok
                                              else f"failed ({exporter.error or 'method or key missing'})"))
    elif oracle_ok:
        if oracle.method != exporter.method:
            differences.append(f"method: botocore {oracle.method}, exporter {exporter.method}")
        if exporter.key[-4:] != oracle.key[-4:]:
            differences.append(f"access key: botocore {masked(oracle.key)}, exporter {exporter.key}")
        elif exporter.key != masked(oracle.key):
            differences.append(f"access key mask: expected {masked(oracle.key)}, exporter printed {exporter.key}")
    if not oracle.region_skipped:
        want = expected_region(case, env, oracle)
        got = None if exporter.region_error else exporter.region
        if want != got:
            differences.append(f"region: expected {want or 'an error'} (botocore {oracle.region}), exporter "
                               + (f"error ({exporter.region_error})" if exporter.region_error else str(got)))
    if exporter.status is not None:
        both = exporter.error is None and exporter.region_error is None
        if exporter.status != (0 if both else 1):
            differences.append(f"exit status {exporter.status} with credentials "
                               f"{'ok' if exporter.error is None else 'failed'} and region "
                               f"{'ok' if exporter.region_error is None else 'failed'}")
    return differences


def describe(case, env, home, out=sys.stdout):
    print(f"  case {case.number} ({case.origin}): {case.title}", file=out)
    flag = f" --aws.region {case.region_flag}" if case.region_flag else ""
    print(f"  command: workspaces_exporter --aws.check-credentials{flag}", file=out)
    print(f"  imds: {case.imds}; container answers {case.container_status}, requires "
          f"{case.container_token!r} as Authorization", file=out)
    print("  environment:", file=out)
    for name in sorted(env):
        if name != "PATH":
            print(f"    {name}={env[name]}", file=out)
    for path in sorted(case.files):
        if path == "bin/credential-helper.py":
            continue
        text = substitute(case.files[path], {"@HOME@": home, "@PYTHON@": sys.executable})
        if path.startswith("tokens/"):
            print(f"  file ~/{path}: {text!r}", file=out)
            continue
        print(f"  file ~/{path}:", file=out)
        for line in text.splitlines() or ["(empty)"]:
            print(f"    | {line}", file=out)


def describe_outcome(label, outcome, out=sys.stdout):
    if outcome.error:
        credentials = f"error: {outcome.error}"
    else:
        shown = outcome.key if label == "exporter" else masked(outcome.key)
        credentials = f"{outcome.method} {shown}"
    region = outcome.region_error if outcome.region_error else outcome.region
    print(f"  {label}: credentials {credentials}; region {region}", file=out)
    for request in outcome.requests:
        print(f"    asked {request}", file=out)
    if label == "exporter":
        for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
            for line in text.splitlines()[:20]:
                print(f"    {stream}| {line}", file=out)


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

def fail(message):
    print(f"credential oracle: {message}", file=sys.stderr)
    sys.exit(2)


def enter_network_namespace():
    """Re-executes this script under `unshare -n` unless already inside; sets up lo there."""
    if os.environ.get(NAMESPACE_MARKER) != "1":
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            fail(f"cannot create a network namespace with `unshare -n` "
                     f"(needs root or CAP_SYS_ADMIN): {probe.stderr.strip()}")
        env = dict(os.environ, **{NAMESPACE_MARKER: "1"})
        os.execvpe("unshare", ["unshare", "-n", sys.executable, os.path.abspath(__file__), *sys.argv[1:]], env)
    interfaces = [name for _, name in socket.if_nameindex()]
    if interfaces != ["lo"]:
        fail(f"expected a namespace with only lo, found {interfaces}")
    for command in (["ip", "link", "set", "lo", "up"],
                    ["ip", "addr", "add", f"{IMDS_ADDRESS}/32", "dev", "lo"],
                    ["ip", "addr", "add", f"{ECS_ADDRESS}/32", "dev", "lo"]):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 and "File exists" not in result.stderr:
            fail(f"{' '.join(command)} failed: {result.stderr.strip()}")


def isolate_botocore():
    """Keeps boto2-era sources (/etc/boto.cfg, ~/.boto) out of botocore's chain; the exporter has none.
    The case environments never hold BOTO_CONFIG or AWS_CREDENTIAL_FILE. The container fetcher's
    1 s pause between its 3 attempts is dropped: same attempts, shorter run."""
    import botocore.credentials
    import botocore.utils
    botocore.credentials.BotoProvider.DEFAULT_CONFIG_FILENAMES = []
    botocore.utils.ContainerMetadataFetcher.SLEEP_TIME = 0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_exporter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    ".build", "debug", "workspaces_exporter")
    parser.add_argument("--exporter", default=os.path.normpath(default_exporter))
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="generated cases (before the edges)")
    parser.add_argument("--list", action="store_true", help="print the cases and exit")
    parser.add_argument("--case", type=int, help="run only case N, described in full")
    parser.add_argument("--botocore-only", action="store_true", help="print the oracle's outcomes only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary HOMEs")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args()


def list_cases(cases, verbose):
    for case in cases:
        print(f"{case.number:4d} {case.origin:6s} {case.title}")
        if verbose:
            describe(case, {name: value.replace("@HOME@", "~") for name, value in case.env.items()}, "~")
    generated = [case.dimensions for case in cases if case.dimensions]
    print("coverage of the generated cases:")
    for name in MATRIX_DIMENSIONS:
        counts = {}
        for dimensions in generated:
            counts[dimensions[name]] = counts.get(dimensions[name], 0) + 1
        print(f"  {name}: " + ", ".join(f"{value} {count}" for value, count in counts.items()))
    print(f"{len(cases)} cases: {len(generated)} generated, {len(cases) - len(generated)} hand-written")
    return 0


def main():
    arguments = parse_arguments()
    cases = all_cases(arguments.seed, arguments.count)
    if arguments.list:
        return list_cases(cases, arguments.verbose)
    if arguments.case is not None:
        cases = [case for case in cases if case.number == arguments.case]
        if not cases:
            fail(f"no case {arguments.case}")
    if not arguments.botocore_only and not os.access(arguments.exporter, os.X_OK):
        fail(f"exporter {arguments.exporter} is not executable (build it, or --exporter)")
    enter_network_namespace()
    isolate_botocore()
    fakes = Fakes()
    root = tempfile.mkdtemp(prefix="credential-oracle-")
    detailed = arguments.case is not None or arguments.verbose
    botocore_errors = differing = 0
    tally = {}
    try:
        for case in cases:
            home = os.path.join(root, f"case-{case.number:03d}")
            os.makedirs(home)
            env = materialize(case, home, fakes)
            fakes.configure(case)
            mark = fakes.state.mark()
            oracle = run_botocore(env, home)
            oracle.requests = fakes.state.since(mark)
            botocore_errors += oracle.error is not None
            outcome = oracle.error.split(":")[0] if oracle.error else oracle.method
            tally[outcome] = tally.get(outcome, 0) + 1
            if arguments.botocore_only:
                if detailed:
                    describe(case, env, home)
                    describe_outcome("botocore", oracle)
                else:
                    shown = (f"error {oracle.error}" if oracle.error else f"{oracle.method} {masked(oracle.key)}")
                    print(f"{case.number:4d} {shown} | region {oracle.region_error or oracle.region} | {case.title}")
                continue
            mark = fakes.state.mark()
            try:
                exporter = run_exporter(arguments.exporter, case, env, home)
            except ExporterUnsupported as unsupported:
                print(f"credential oracle: the exporter does not support --aws.check-credentials yet: {unsupported}")
                return 2
            exporter.requests = fakes.state.since(mark)
            differences = compare(case, env, oracle, exporter)
            if differences or detailed:
                differing += bool(differences)
                print(f"{'DIFFERENCE' if differences else 'same'} in case {case.number}:")
                for difference in differences:
                    print(f"  - {difference}")
                describe(case, env, home)
                describe_outcome("botocore", oracle)
                describe_outcome("exporter", exporter)
                print()
    finally:
        fakes.close()
        if not arguments.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept {root}")
    print("botocore outcomes: " + ", ".join(f"{name} {count}" for name, count in sorted(tally.items())))
    if arguments.botocore_only:
        print(f"credential oracle: {len(cases)} cases, {botocore_errors} errors in botocore, not compared")
        return 0
    print(f"credential oracle: {len(cases)} cases, {botocore_errors} errors in botocore, {differing} differences")
    enough = arguments.case is not None or len(cases) >= MIN_CASES
    return 0 if differing == 0 and enough else 1


if __name__ == "__main__":
    sys.exit(main())
