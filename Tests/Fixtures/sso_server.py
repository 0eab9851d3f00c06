#!/usr/bin/env python3
"""A loopback stand-in for IAM Identity Center, for the SSO profile tests: the
portal's GetRoleCredentials and the OIDC service's CreateToken, as the AWS
SDKs call them (both unsigned; see the botocore service models sso and
sso-oidc).

  GET  /federation/credentials?role_name=R&account_id=A
       header x-amz-sso_bearer_token: a token this server knows
       -> {"roleCredentials": {"accessKeyId", "secretAccessKey",
           "sessionToken", "expiration" (ms)}}
       an unknown token -> 401 UnauthorizedException; another account or
       role than --account/--role -> 403 ForbiddenException
  POST /token  {"clientId", "clientSecret", "grantType": "refresh_token",
               "refreshToken"}
       -> {"accessToken": "refreshed-N", "expiresIn": --expires-in,
           "refreshToken": "refresh-N", "tokenType": "Bearer"}
       each refresh token works once (as IAM Identity Center's rotate); a
       wrong client -> 400 InvalidClientException; a used or unknown refresh
       token -> 400 InvalidGrantException
  GET  /stats  -> {"GetRoleCredentials": n, "CreateToken": n,
                   "refused": n, "failed": n, "tokens": [tokens accepted]}

With --fail-first N, the first N calls to either service are answered with
--fail-status and --fail-code instead (a throttled or failing service).

Prints "listening PORT" on stdout once it listens on 127.0.0.1.
"""
import argparse
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--access-token", action="append", default=[], help="tokens GetRoleCredentials accepts")
parser.add_argument("--refresh-token", default="refresh-0")
parser.add_argument("--client-id", default="client-id")
parser.add_argument("--client-secret", default="client-secret")
parser.add_argument("--account", default="123456789012")
parser.add_argument("--role", default="ReadOnly")
parser.add_argument("--key", default="AKIDEMULATOR")
parser.add_argument("--secret", default="emulator-secret")
parser.add_argument("--session-token", default="")
parser.add_argument("--expires-in", type=int, default=28800)
parser.add_argument("--credentials-lifetime", type=int, default=3600)
parser.add_argument("--fail-first", type=int, default=0)
parser.add_argument("--fail-status", type=int, default=429)
parser.add_argument("--fail-code", default="TooManyRequestsException")
args = parser.parse_args()

lock = threading.Lock()
state = {"GetRoleCredentials": 0, "CreateToken": 0, "refused": 0, "failed": 0,
         "tokens": list(args.access_token), "refresh": {args.refresh_token}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, error=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def failing(self):
        """Whether this call is one of the first --fail-first, answered with the failure."""
        with lock:
            if state["failed"] >= args.fail_first:
                return False
            state["failed"] += 1
        self.reply(args.fail_status, {"message": "injected failure"}, args.fail_code)
        return True

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/stats":
            with lock:
                body = {k: (sorted(v) if isinstance(v, set) else v) for k, v in state.items()}
            return self.reply(200, body)
        if url.path != "/federation/credentials":
            return self.reply(404, {"message": "not found"}, "ResourceNotFoundException")
        if self.failing():
            return
        query = urllib.parse.parse_qs(url.query)
        token = self.headers.get("x-amz-sso_bearer_token")
        with lock:
            state["GetRoleCredentials"] += 1
            known = token in state["tokens"]
            if not known:
                state["refused"] += 1
        if not known:
            return self.reply(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
        if query.get("account_id") != [args.account] or query.get("role_name") != [args.role]:
            return self.reply(403, {"message": "No access"}, "ForbiddenException")
        expiration = int((time.time() + args.credentials_lifetime) * 1000)
        credentials = {"accessKeyId": args.key, "secretAccessKey": args.secret, "expiration": expiration}
        credentials["sessionToken"] = args.session_token or f"sso-session-{token}"
        return self.reply(200, {"roleCredentials": credentials})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if urllib.parse.urlsplit(self.path).path != "/token":
            return self.reply(404, {"message": "not found"}, "ResourceNotFoundException")
        if self.failing():
            return
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": "invalid_request"}, "InvalidRequestException")
        with lock:
            state["CreateToken"] += 1
            if body.get("clientId") != args.client_id or body.get("clientSecret") != args.client_secret:
                return self.reply(400, {"error": "invalid_client"}, "InvalidClientException")
            if body.get("grantType") != "refresh_token" or body.get("refreshToken") not in state["refresh"]:
                return self.reply(400, {"error": "invalid_grant"}, "InvalidGrantException")
            state["refresh"].discard(body["refreshToken"])
            n = state["CreateToken"]
            token, refresh = f"refreshed-{n}", f"refresh-{n}"
            state["tokens"].append(token)
            state["refresh"].add(refresh)
        return self.reply(200, {"accessToken": token, "expiresIn": args.expires_in, "refreshToken": refresh, "tokenType": "Bearer"})


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
