#!/usr/bin/env python3
"""Offline checks of the Helm chart, and a real run of what it renders.

  charts/workspaces-exporter/ci/check.py [--exporter BIN --emulator BIN] [--no-run]

Needs helm-python-sdk (Helm's Go SDK through ctypes: no helm binary, no
cluster, no network), kubernetes-validate and PyYAML (scripts/deps.sh test
installs them). Without --exporter and --emulator the binaries are taken from
WORKSPACES_BIN_DIR or .build/debug; --no-run skips step 8.

 1. Chart.yaml: apiVersion v2, appVersion is the repository's VERSION.
 2. values.yaml: every key described (`# --`), README.md's values table is
    what ci/values_table.py generates from it.
 3. values.schema.json is a valid draft-07 schema, accepts the defaults,
    every ci/*-values.yaml and every field of exporter-toolkit's web config,
    and refuses typos (unknown keys at the top and inside objects, in the
    config and web config files too), wrong types and values outside an
    enumeration (client_auth_type, cipher suites, curves, versions):
    rendering fails naming the key.
 4. `helm lint --strict` (Kubernetes 1.32) passes with each ci/*-values.yaml;
    combinations the exporter would refuse fail at render time with a message.
 5. Each ci/*-values.yaml renders; every object is validated strictly against
    the Kubernetes $K8S_VERSION (1.32.0) schemas with kubernetes-validate;
    objects of prometheus-operator's CRDs (monitoring.coreos.com) are not in
    them: named as skipped and their fields checked here instead.
 6. The objects fit together: the restricted Pod Security Standard, probes on
    /-/healthy and /-/ready with the right scheme (TCP under basic
    authentication or a required client certificate), selectors, port names, the
    ServiceAccount, mounts of the ConfigMap and Secrets, checksum annotations
    that change with their content only, the PodDisruptionBudget (replicas > 1),
    NetworkPolicy, ServiceMonitor, ScrapeConfig, and the config file passes
    `workspaces_exporter --config.check`.
 7. The PrometheusRule's groups equal the mixin's rules
    (alerts/workspaces-images.rules.yml) exactly, parsed as YAML; and pass
    `promtool check rules` where promtool exists.
 8. For each ci/*-values.yaml: the Deployment's container args and env, the
    ConfigMap and Secret contents written at their mount paths under a
    temporary directory (the paths rewritten, the listen address a free
    loopback port), run by the real exporter against the emulator: the
    probes' requests answer as the kubelet needs, /metrics (or /sd and
    /probe in probe mode) answers 200 with aws_workspaces_up 1; with a web
    config, what it asks for is seen from outside (client certificates and
    their CA and SANs, cipher suites, versions, headers, rate_limit's 429 past
    the burst), and the file changed in place, as the kubelet updates a
    mounted Secret, applies without a restart. Credentials
    as EKS would give them: IRSA's web identity when the ServiceAccount has
    the role annotation, a fake Pod Identity agent for pod-identity-values.yaml,
    else keys in the environment.
"""
import argparse
import atexit
import base64
import copy
import glob
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

try:
    import helm_python as helm
    import jsonschema
    import kubernetes_validate
except ImportError as error:  # pragma: no cover
    print(f"FAIL missing Python package: {error} (scripts/deps.sh test installs helm-python-sdk and kubernetes-validate)")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
CHART = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(CHART))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no ci/__pycache__ in the chart
import values_table  # noqa: E402

K8S_VERSION = os.environ.get("K8S_VERSION", "1.32.0")
RELEASE, NAMESPACE = "workspaces-exporter", "monitoring"
CRD_GROUPS = ("monitoring.coreos.com/",)
RULES = os.path.join(ROOT, "alerts/workspaces-images.rules.yml")
EMULATOR_ACCOUNT, MEMBER_ACCOUNT = "123456789012", "111111111111"
EXTERNAL_ID = "example-external-id"

failures = []
children = []
temporary = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}", flush=True)


def check(condition, message):
    if condition:
        print(f"ok   {message}", flush=True)
    else:
        fail(message)
    return bool(condition)


def get(obj, *keys, default=None):
    for key in keys:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return default
    return default if obj is None else obj


def name_of(obj):
    return f"{obj.get('kind')}/{get(obj, 'metadata', 'name')}"


def cleanup():
    for child in children:
        if child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
    for path in temporary:
        shutil.rmtree(path, ignore_errors=True)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def on_alarm(*_):
    fail("the whole check took over its time limit")
    sys.exit(1)


def tempdir(prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    temporary.append(path)
    return path


# --- rendering -----------------------------------------------------------------

def load_chart():
    return helm.Chart.load(CHART)


def render(chart, values):
    """{template path: [objects]} of a render with these values (raises HelmError)."""
    manifests = chart.render(values=values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    rendered = {}
    for path, text in manifests.items():
        if path.endswith("NOTES.txt"):
            rendered[path] = text
            continue
        rendered[path] = [doc for doc in yaml.safe_load_all(text) if doc]
    return rendered


def objects_of(rendered):
    return [obj for path, docs in rendered.items() if not path.endswith("NOTES.txt") for obj in docs]


def by_kind(objects, kind):
    return [obj for obj in objects if obj.get("kind") == kind]


def ci_files():
    return sorted(glob.glob(os.path.join(HERE, "*-values.yaml")))


def read_values(path):
    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream) or {}


# --- 1 to 4 ----------------------------------------------------------------------

def check_metadata(chart):
    metadata = chart.metadata
    with open(os.path.join(ROOT, "VERSION"), encoding="utf-8") as stream:
        version = stream.read().strip()
    check(metadata.get("apiVersion") == "v2", "Chart.yaml: apiVersion v2")
    check(str(metadata.get("appVersion")) == version, f"Chart.yaml: appVersion {metadata.get('appVersion')} is VERSION ({version})")
    check(re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?", str(metadata.get("version", ""))), f"Chart.yaml: version {metadata.get('version')} is SemVer")


def check_docs():
    missing = values_table.undocumented()
    check(not missing, f"values.yaml: every key has a `# --` description{': missing ' + ', '.join(missing) if missing else ''}")
    with open(values_table.README, encoding="utf-8") as stream:
        current = stream.read()
    try:
        wanted = values_table.readme_with(current, values_table.table())
    except SystemExit as error:
        fail(str(error))
        return
    check(current == wanted, "README.md: the values table is what ci/values_table.py generates (run it with --write)")


def check_schema(chart):
    with open(os.path.join(CHART, "values.schema.json"), encoding="utf-8") as stream:
        schema = json.load(stream)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        check(schema.get("$schema", "").startswith("http://json-schema.org/draft-07/"), "values.schema.json: a valid draft-07 schema")
    except jsonschema.SchemaError as error:
        fail(f"values.schema.json: {error.message}")
    check(schema.get("additionalProperties") is False, "values.schema.json: additionalProperties false at the top")
    defaults = chart.values
    for path in ci_files():
        try:
            chart.validate_schema(read_values(path))
            print(f"ok   values.schema.json accepts ci/{os.path.basename(path)}")
        except helm.HelmError as error:
            fail(f"values.schema.json refuses ci/{os.path.basename(path)}: {error}")
    # Every field of exporter-toolkit's web config is accepted (ci/web-config-full-values.yaml has most of the rest).
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    accepted = [
        {"tls_server_config": {"cert": pem, "key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", "client_ca": pem,
                               "client_auth_type": "RequireAnyClientCert", "client_allowed_sans": ["spiffe://example.test/prometheus"]}},
        {"tls_server_config": {"cert_file": "/certs/server.pem", "key_file": "/certs/server.key", "client_ca_file": "/certs/ca.pem",
                               "client_auth_type": "VerifyClientCertIfGiven", "min_version": "TLS13", "max_version": "TLS13",
                               "cipher_suites": ["TLS_AES_128_GCM_SHA256"], "curve_preferences": ["CurveP384", "CurveP521"],
                               "prefer_server_cipher_suites": False}},
        {"tls_server_config": {"cert_file": "/certs/server.pem", "key_file": "/certs/server.key", "client_auth_type": "RequestClientCert",
                               "min_version": "TLS10", "max_version": "TLS12", "cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"]}},
        {"tls_server_config": {"cert_file": "/certs/server.pem", "key_file": "/certs/server.key", "client_auth_type": "RequireClientCert"}},
        {"http_server_config": {"http2": True, "headers": {"Content-Security-Policy": "default-src 'none'", "X-XSS-Protection": "0", "X-Frame-Options": ""}},
         "rate_limit": {"interval": 500000000, "burst": 0}},
        {"rate_limit": {"interval": "1m30s", "burst": 100}, "basic_auth_users": {"prometheus": "$2y$10$p5VL8m38ZrUHAOdxruDb9eQQMqTfzWhoxcMbkpfdizMThnxkLhAuK"}},
    ]
    for web in accepted:
        try:
            render(chart, {"webConfig": {"config": web}})
            print(f"ok   values.schema.json accepts webConfig.config {json.dumps(web)[:160]}")
        except helm.HelmError as error:
            fail(f"values.schema.json refuses webConfig.config {json.dumps(web)}: {str(error).strip().splitlines()[-1].strip()}")
    # Typos and wrong types: each must make the render fail, naming the key.
    refused = [
        ({"replica": 2}, "replica"),
        ({"image": {"tga": "1.0"}}, "tga"),
        ({"serviceMonitor": {"enabled": True, "intervall": "1m"}}, "intervall"),
        ({"prometheusRule": {"additionalLables": {"a": "b"}}}, "additionalLables"),
        ({"aws": {"regions": ["eu-west-1"]}}, "regions"),
        ({"config": {"target": [{"regions": ["eu-west-1"]}]}}, "target"),
        ({"config": {"targets": [{"regions": ["eu-west-1"], "rolearn": "x"}]}}, "rolearn"),
        ({"config": {"targets": [{"regions": ["eu-west-1"], "account_id": 111111111111}]}}, "account_id"),
        ({"config": {"organizations": [{"role_name": "R", "regions": ["eu-west-1"], "exclude_account": ["111111111111"]}]}}, "exclude_account"),
        # The web config: every field of exporter-toolkit's format is accepted, typos and wrong values are not.
        ({"webConfig": {"config": {"rate_limt": {"interval": "1s"}}}}, "rate_limt"),
        ({"webConfig": {"config": {"rate_limit": {"intervall": "1s"}}}}, "intervall"),
        ({"webConfig": {"config": {"rate_limit": {"interval": "1d"}}}}, "interval"),
        ({"webConfig": {"config": {"rate_limit": {"interval": "1s", "burst": -1}}}}, "burst"),
        ({"webConfig": {"config": {"tls_server_config": {"client_auth_typ": "NoClientCert"}}}}, "client_auth_typ"),
        ({"webConfig": {"config": {"tls_server_config": {"client_auth_type": "VerifyClientCert"}}}}, "client_auth_type"),
        ({"webConfig": {"config": {"tls_server_config": {"cipher_suites": [49195]}}}}, "cipher_suites"),
        ({"webConfig": {"config": {"tls_server_config": {"cipher_suites": ["ECDHE-ECDSA-AES128-GCM-SHA256"]}}}}, "cipher_suites"),
        ({"webConfig": {"config": {"tls_server_config": {"curve_preferences": ["P256"]}}}}, "curve_preferences"),
        ({"webConfig": {"config": {"tls_server_config": {"max_version": "TLS1.3"}}}}, "max_version"),
        ({"webConfig": {"config": {"tls_server_config": {"cert": "/etc/tls/server.pem"}}}}, "cert"),
        ({"webConfig": {"config": {"tls_server_config": {"client_allowed_sans": "client.test"}}}}, "client_allowed_sans"),
        ({"webConfig": {"config": {"http_server_config": {"http2": "yes"}}}}, "http2"),
        ({"webConfig": {"config": {"http_server_config": {"headers": {"X-Frame-Options": "allow"}}}}}, "X-Frame-Options"),
        ({"webConfig": {"config": {"http_server_config": {"headers": {"Server": "x"}}}}}, "Server"),
        ({"networkPolicy": {"egress": {"dns": []}}}, "dns"),
        ({"replicas": "2"}, "replicas"),
        ({"log": {"level": "verbose"}}, "level"),
        ({"livenessProbe": {"httpGet": {"path": "/"}}}, "httpGet"),
    ]
    for values, key in refused:
        try:
            render(chart, values)
            fail(f"values.schema.json accepts {json.dumps(values)}")
        except helm.HelmError as error:
            text = str(error)
            check(key in text or "additional properties" in text or "got" in text,
                  f"values.schema.json refuses {json.dumps(values)}: {text.strip().splitlines()[-1].strip()}")
    _ = defaults


def check_lint():
    for path in ci_files():
        report = helm.lint(CHART, read_values(path), strict=True, namespace=NAMESPACE, kube_version=f"v{K8S_VERSION}")
        problems = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2] + [{"error": e} for e in report.get("errors", [])]
        check(not problems, f"helm lint --strict with ci/{os.path.basename(path)}"
              + (": " + "; ".join(m.get("error", "").strip() for m in problems) if problems else ""))


def check_refusals(chart):
    """Values the exporter would refuse at start-up fail the render instead."""
    cases = [
        ({"config": {"targets": [{"regions": ["eu-west-1"]}]}, "aws": {"roleArn": "arn:aws:iam::111111111111:role/r"}}, "target flags"),
        ({"config": {"targets": [{"regions": ["eu-west-1"]}]}, "existingConfigMap": "mine"}, "not both"),
        ({"aws": {"region": ""}}, "aws.region is required"),
        ({"webConfig": {"tls": {"enabled": True}}}, "webConfig.tls.enabled needs"),
        ({"webConfig": {"tls": {"secretName": "x"}}}, "webConfig.tls.enabled is false"),
        ({"aws": {"externalId": "x"}}, "needs aws.roleArn"),
        ({"webConfig": {"tls": {"enabled": True, "secretName": "x"}, "config": {"tls_server_config": {"client_ca_file": "/etc/workspaces-exporter/tls/ca.crt"}}}},
         "client CAs are configured without a client_auth_type"),
        ({"webConfig": {"config": {"tls_server_config": {"min_version": "TLS13", "max_version": "TLS12"}}}}, "min_version TLS13 is above max_version TLS12"),
        ({"webConfig": {"tls": {"enabled": True, "secretName": "x"}, "config": {"tls_server_config": {"max_version": "TLS11"}}}}, "min_version TLS12 is above max_version TLS11"),
    ]
    for values, message in cases:
        try:
            render(chart, values)
            fail(f"render of {json.dumps(values)} should fail with '{message}'")
        except helm.HelmError as error:
            check(message in str(error), f"render of {json.dumps(values)} fails: {message}")


# --- 5 to 7 ----------------------------------------------------------------------

def validate(obj, where):
    if obj.get("apiVersion", "").startswith(CRD_GROUPS):
        print(f"skip {name_of(obj)} ({where}): {obj['apiVersion']} is a CRD, not in the Kubernetes schemas; fields checked below")
        return
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        print(f"ok   {name_of(obj)} ({where}) against Kubernetes {K8S_VERSION}")
    except kubernetes_validate.ValidationError as error:
        path = "/".join(str(p) for p in error.path)
        fail(f"{name_of(obj)} ({where}): {path}: {error.message}")
    except Exception as error:  # unknown kind or version
        fail(f"{name_of(obj)} ({where}): {error}")


RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}


def check_restricted(pod, where):
    """The restricted Pod Security Standard (Kubernetes 1.25+), field by field."""
    problems = []
    pod_context = pod.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problems.append(f"{field}")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"volume {volume.get('name')} of type {sorted(kinds - RESTRICTED_VOLUMES)}")
    if pod_context.get("sysctls"):
        problems.append("sysctls")
    if get(pod_context, "seLinuxOptions", "type") not in (None, "", "container_t", "container_init_t", "container_kvm_t"):
        problems.append("seLinuxOptions.type")
    if pod_context.get("runAsUser") == 0:
        problems.append("pod runAsUser 0")
    pod_seccomp = get(pod_context, "seccompProfile", "type")
    containers = pod.get("containers", []) + pod.get("initContainers", []) + pod.get("ephemeralContainers", [])
    for container in containers:
        context = container.get("securityContext", {})
        name = container.get("name")
        if context.get("privileged"):
            problems.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser 0")
        if get(context, "seccompProfile", "type", default=pod_seccomp) not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is not RuntimeDefault or Localhost")
        if "ALL" not in get(context, "capabilities", "drop", default=[]):
            problems.append(f"{name}: capabilities do not drop ALL")
        if set(get(context, "capabilities", "add", default=[])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: capabilities added")
        if context.get("procMount", "Default") != "Default":
            problems.append(f"{name}: procMount")
        if any(p.get("hostPort") for p in container.get("ports", [])):
            problems.append(f"{name}: hostPort")
        # Not in the standard, but this chart's promise.
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem is not true")
    check(not problems, f"{where}: the restricted Pod Security Standard, read-only root{': ' + '; '.join(problems) if problems else ''}")


def load_rules():
    with open(RULES, encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def go_seconds(value):
    """Seconds of a Go duration (1s, 500ms, 1m30s) or whole nanoseconds; None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value / 1e9
    parts = re.findall(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)", str(value))
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in parts) if "".join(n + u for n, u in parts) == str(value).lstrip("+") else None


def seconds(text):
    match = re.fullmatch(r"([0-9.]+)(ms|s|m|h)", str(text or ""))
    if not match:
        return None
    return float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def check_rendered(chart, path, exporter):
    """Renders one values file and checks its objects; returns what the run needs."""
    label = f"ci/{os.path.basename(path)}"
    values = read_values(path)
    try:
        rendered = render(chart, values)
    except helm.HelmError as error:
        fail(f"{label}: render failed: {error}")
        return None
    merged = chart.merge_values(values)
    objects = objects_of(rendered)
    print(f"---- {label}: {len(objects)} objects")
    for obj in objects:
        validate(obj, label)
        check(get(obj, "metadata", "namespace") == NAMESPACE or obj.get("kind") in ("ServiceMonitor", "PrometheusRule", "ScrapeConfig"),
              f"{label}: {name_of(obj)} in namespace {NAMESPACE}")
        check(get(obj, "metadata", "labels", "app.kubernetes.io/instance") == RELEASE, f"{label}: {name_of(obj)} has the release's labels")
    deployments, services = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    if not (check(len(deployments) == 1, f"{label}: one Deployment") and check(len(services) == 1, f"{label}: one Service")):
        return None
    deployment, service = deployments[0], services[0]
    pod = get(deployment, "spec", "template", "spec", default={})
    pod_labels = get(deployment, "spec", "template", "metadata", "labels", default={})
    annotations = get(deployment, "spec", "template", "metadata", "annotations", default={})
    container = get(pod, "containers", 0, default={})
    args = container.get("args", [])
    tls = bool(merged["webConfig"]["tls"]["enabled"] or "tls_server_config" in (merged["webConfig"]["config"] or {}))
    basic_auth = bool(merged["webConfig"]["basicAuth"] or (merged["webConfig"]["config"] or {}).get("basic_auth_users"))
    tls_server = (merged["webConfig"]["config"] or {}).get("tls_server_config") or {}
    client_auth = tls_server.get("client_auth_type") or ("RequireAnyClientCert" if merged["webConfig"]["requireClientCert"] else "NoClientCert")
    client_cert_required = client_auth in ("RequireAnyClientCert", "RequireClientCert", "RequireAndVerifyClientCert") or (
        "client_allowed_sans" in tls_server and client_auth not in ("NoClientCert", ""))
    rate_limit = (merged["webConfig"]["config"] or {}).get("rate_limit") or {}
    rate_limited = bool(merged["webConfig"].get("rateLimit") or str(rate_limit.get("interval", "0")) not in ("0", "", "None"))
    scheme = "https" if tls else "http"

    check_restricted(pod, f"{label}: Deployment")
    check(get(pod, "securityContext", "runAsUser") == 65534 and get(pod, "securityContext", "runAsGroup") == 65534
          and get(pod, "securityContext", "fsGroup") == 65534, f"{label}: runs as 65534:65534 (the image's user), fsGroup 65534 for the projected AWS tokens")
    check(pod.get("automountServiceAccountToken") is False, f"{label}: no Kubernetes API token mounted")
    check(get(deployment, "spec", "replicas") == merged["replicas"], f"{label}: {merged['replicas']} replicas")
    check(get(deployment, "spec", "selector", "matchLabels", default={"-": "-"}).items() <= pod_labels.items(), f"{label}: the Deployment's selector matches its pods")
    check("command" not in container, f"{label}: the image's entry point runs (no command)")
    tag = merged["image"]["tag"] or chart.metadata["appVersion"]
    check(container.get("image") == f"{merged['image']['repository']}:{tag}", f"{label}: image {container.get('image')}")
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    check(ports == {"http-metrics": merged["containerPort"]} and f"--web.listen-address=:{merged['containerPort']}" in args,
          f"{label}: listens on :{merged['containerPort']}, port http-metrics")
    for probe, wanted in (("livenessProbe", "/-/healthy"), ("readinessProbe", "/-/ready")):
        definition = container.get(probe, {})
        if client_cert_required or rate_limited or (basic_auth and not merged["probeHttpHeaders"]):
            why = (f"client_auth_type {client_auth}: the kubelet has no client certificate" if client_cert_required
                   else "rate_limit: probes must neither spend nor depend on its bucket" if rate_limited
                   else f"basic authentication guards {wanted}")
            check(get(definition, "tcpSocket", "port") == "http-metrics" and "httpGet" not in definition,
                  f"{label}: {probe} connects by TCP ({why})")
        else:
            check(get(definition, "httpGet", "path") == wanted and get(definition, "httpGet", "port") == "http-metrics"
                  and get(definition, "httpGet", "scheme") == scheme.upper(), f"{label}: {probe} GET {wanted} over {scheme.upper()}")
    check(pod.get("serviceAccountName") == (get(by_kind(objects, "ServiceAccount"), 0, "metadata", "name") or "-"),
          f"{label}: the pods run as the chart's ServiceAccount")
    account = get(by_kind(objects, "ServiceAccount"), 0, default={})
    check(account.get("automountServiceAccountToken") is False, f"{label}: ServiceAccount without API token automount")
    role = get(merged, "serviceAccount", "annotations", "eks.amazonaws.com/role-arn")
    if role:
        check(get(account, "metadata", "annotations", "eks.amazonaws.com/role-arn") == role, f"{label}: ServiceAccount has the IRSA role {role}")

    # Service.
    service_ports = {p.get("name"): p for p in get(service, "spec", "ports", default=[])}
    check(get(service, "spec", "selector", default={"-": "-"}).items() <= pod_labels.items(), f"{label}: the Service selects the pods")
    check(get(service_ports, "http-metrics", "targetPort") == "http-metrics" and get(service_ports, "http-metrics", "port") == merged["service"]["port"],
          f"{label}: Service port http-metrics {merged['service']['port']} to the container's")

    # Mounted files: every volume has a source and every mount a volume.
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    mounts = {m.get("mountPath"): m for m in container.get("volumeMounts", [])}
    check(all(m.get("name") in volumes for m in mounts.values()), f"{label}: every mount has its volume")
    check(all(m.get("readOnly") is True for m in mounts.values()), f"{label}: every mount is read-only")
    configmaps = {get(c, "metadata", "name"): c for c in by_kind(objects, "ConfigMap")}
    secrets = {get(s, "metadata", "name"): s for s in by_kind(objects, "Secret")}
    config_args = [a.split("=", 1)[1] for a in args if a.startswith("--config.file=")]
    web_args = [a.split("=", 1)[1] for a in args if a.startswith("--web.config.file=")]
    has_config = bool(merged["config"] or merged["existingConfigMap"])
    check(len(config_args) == (1 if has_config else 0), f"{label}: --config.file {'given' if has_config else 'absent'}")
    if has_config:
        check(not [a for a in args if a.startswith(("--aws.region", "--aws.role-arn", "--aws.account-id", "--aws.external-id"))],
              f"{label}: no target flags beside --config.file (the exporter refuses them)")
    for kind, paths in (("configMap", config_args), ("secret", web_args)):
        for file_path in paths:
            directory, key = os.path.split(file_path)
            volume = volumes.get(get(mounts, directory, "name"), {})
            source = volume.get(kind, {})
            name = source.get("name") or source.get("secretName")
            owned = (configmaps if kind == "configMap" else secrets).get(name)
            keys = set(owned.get("data", {})) if owned else None
            check(source and (keys is None or key in keys), f"{label}: {file_path} is key {key} of {kind} {name} mounted at {directory}")
    if merged["config"]:
        configmap = configmaps.get(get(volumes, "config", "configMap", "name"), {})
        text = get(configmap, "data", "config.yml", default="")
        check(yaml.safe_load(text) == merged["config"], f"{label}: the ConfigMap holds the config value")
        check_config_file(text, exporter, label)
        check(bool(annotations.get("checksum/config")), f"{label}: checksum/config on the pods")
    if merged["webConfig"]["config"] or merged["webConfig"]["tls"]["secretName"]:
        check(bool(annotations.get("checksum/web-config")), f"{label}: checksum/web-config on the pods")
    if merged["webConfig"]["tls"]["secretName"]:
        secret = secrets.get(get(volumes, "web-config", "secret", "secretName"), {})
        web = yaml.safe_load(base64.b64decode(get(secret, "data", "web-config.yml", default="")).decode())
        tls_dir = next((p for p, m in mounts.items() if m.get("name") == "tls"), None)
        check(get(volumes, "tls", "secret", "secretName") == merged["webConfig"]["tls"]["secretName"] and tls_dir
              and get(web, "tls_server_config", "cert_file") == f"{tls_dir}/tls.crt"
              and get(web, "tls_server_config", "key_file") == f"{tls_dir}/tls.key",
              f"{label}: the TLS Secret is mounted at {tls_dir} and the web config names its tls.crt and tls.key")
        check(not any(m.get("subPath") for m in mounts.values()), f"{label}: no subPath mounts (renewed certificates reach the pod)")
    if web_args:
        check(not get(mounts, os.path.dirname(web_args[0]), "subPath"),
              f"{label}: the web config is mounted without subPath (the kubelet updates it in place, the exporter re-reads it)")

    # PodDisruptionBudget.
    budgets = by_kind(objects, "PodDisruptionBudget")
    wanted_budget = merged["replicas"] > 1 or merged["podDisruptionBudget"]["enabled"]
    check(len(budgets) == (1 if wanted_budget else 0), f"{label}: {'a' if wanted_budget else 'no'} PodDisruptionBudget")
    for budget in budgets:
        check(get(budget, "spec", "selector", "matchLabels", default={"-": "-"}).items() <= pod_labels.items()
              and 0 < get(budget, "spec", "maxUnavailable", default=0) < max(2, merged["replicas"]), f"{label}: the budget takes one pod at a time")
    if merged["topologySpreadConstraints"]:
        check(all(get(c, "labelSelector", "matchLabels", default={"-": "-"}).items() <= pod_labels.items() for c in pod.get("topologySpreadConstraints", [])),
              f"{label}: topology spread constraints select the pods")

    # NetworkPolicy.
    policies = by_kind(objects, "NetworkPolicy")
    check(len(policies) == (1 if merged["networkPolicy"]["enabled"] else 0), f"{label}: NetworkPolicy {'on' if merged['networkPolicy']['enabled'] else 'off'}")
    for policy in policies:
        spec = policy.get("spec", {})
        check(get(spec, "podSelector", "matchLabels", default={"-": "-"}).items() <= pod_labels.items(), f"{label}: the NetworkPolicy selects the pods")
        ingress = spec.get("ingress", [])
        check(len(ingress) == 1 and [p.get("port") for p in ingress[0].get("ports", [])] == ["http-metrics"]
              and ingress[0].get("from") == (merged["networkPolicy"]["ingressFrom"] or [{"podSelector": {}}]),
              f"{label}: ingress only to http-metrics, from {merged['networkPolicy']['ingressFrom'] or 'the namespace'}")
        egress_ports = {(p.get("port"), p.get("protocol")) for rule in spec.get("egress", []) for p in rule.get("ports", [])}
        check(spec.get("policyTypes") == ["Ingress", "Egress"] and {(53, "UDP"), (53, "TCP"), (443, "TCP")} <= egress_ports,
              f"{label}: egress to DNS and 443")

    # ServiceMonitor.
    monitors = by_kind(objects, "ServiceMonitor")
    check(len(monitors) == (1 if merged["serviceMonitor"]["enabled"] else 0), f"{label}: ServiceMonitor {'on' if merged['serviceMonitor']['enabled'] else 'off'}")
    for monitor in monitors:
        sm = merged["serviceMonitor"]
        check(monitor.get("apiVersion") == "monitoring.coreos.com/v1", f"{label}: ServiceMonitor monitoring.coreos.com/v1")
        check(get(monitor, "spec", "selector", "matchLabels", default={"-": "-"}).items() <= get(service, "metadata", "labels", default={}).items(),
              f"{label}: the ServiceMonitor selects the Service")
        check(sm["labels"].items() <= get(monitor, "metadata", "labels", default={}).items(), f"{label}: ServiceMonitor labels {sm['labels']}")
        endpoints = get(monitor, "spec", "endpoints", default=[])
        endpoint = get(endpoints, 0, default={})
        check(len(endpoints) == 1 and endpoint.get("port") in service_ports and endpoint.get("path") == "/metrics",
              f"{label}: the ServiceMonitor scrapes /metrics on the Service's named port")
        check(endpoint.get("scheme") == scheme, f"{label}: ServiceMonitor scheme {scheme}")
        job = [r for r in endpoint.get("relabelings", []) if r.get("targetLabel") == "job"]
        check(job and job[0].get("replacement") == sm["jobLabel"] == "workspaces-images" and job[0].get("action") == "replace",
              f"{label}: ServiceMonitor job label workspaces-images")
        interval, timeout = seconds(endpoint.get("interval")), seconds(endpoint.get("scrapeTimeout"))
        check(interval and timeout and timeout <= interval, f"{label}: ServiceMonitor scrapeTimeout {timeout} s within interval {interval} s")
        for field in ("tlsConfig", "basicAuth", "metricRelabelings"):
            check(endpoint.get(field) == (sm[field] or None), f"{label}: ServiceMonitor {field} as given")

    # ScrapeConfig (probe mode).
    scrapes = by_kind(objects, "ScrapeConfig")
    check(len(scrapes) == (1 if merged["scrapeConfig"]["enabled"] else 0), f"{label}: ScrapeConfig {'on' if merged['scrapeConfig']['enabled'] else 'off'}")
    for scrape in scrapes:
        address = f"{get(service, 'metadata', 'name')}.{NAMESPACE}.svc:{merged['service']['port']}"
        spec = scrape.get("spec", {})
        check(scrape.get("apiVersion") == "monitoring.coreos.com/v1alpha1", f"{label}: ScrapeConfig monitoring.coreos.com/v1alpha1")
        check([c.get("url") for c in spec.get("httpSDConfigs", [])] == [f"{scheme}://{address}/sd"], f"{label}: ScrapeConfig targets from {scheme}://{address}/sd")
        check(spec.get("metricsPath") == "/probe" and spec.get("scheme") == scheme.upper(), f"{label}: ScrapeConfig scrapes /probe over {scheme.upper()}")
        rules = spec.get("relabelings", [])
        check({"sourceLabels": ["__address__"], "targetLabel": "__param_target"} in rules
              and {"targetLabel": "__address__", "replacement": address} in rules
              and {"sourceLabels": ["__param_target"], "targetLabel": "instance"} in rules
              and {"sourceLabels": ["__param_target"], "targetLabel": "__tmp_hash"} in rules
              and {"targetLabel": "job", "replacement": "workspaces-probe"} in rules,
              f"{label}: ScrapeConfig relabelings: target to ?target= and instance, address the Service, job workspaces-probe, shards by target")
        interval, timeout = seconds(spec.get("scrapeInterval")), seconds(spec.get("scrapeTimeout"))
        check(interval and timeout and timeout <= interval, f"{label}: ScrapeConfig scrapeTimeout {timeout} s within interval {interval} s")
        check(merged["scrapeConfig"]["labels"].items() <= get(scrape, "metadata", "labels", default={}).items(), f"{label}: ScrapeConfig labels")

    # PrometheusRule.
    rules = by_kind(objects, "PrometheusRule")
    check(len(rules) == (1 if merged["prometheusRule"]["enabled"] else 0), f"{label}: PrometheusRule {'on' if merged['prometheusRule']['enabled'] else 'off'}")
    for rule in rules:
        check(rule.get("apiVersion") == "monitoring.coreos.com/v1", f"{label}: PrometheusRule monitoring.coreos.com/v1")
        groups = get(rule, "spec", "groups", default=[])
        extra = merged["prometheusRule"]["additionalGroups"]
        mixin = load_rules()["groups"]
        check(groups[:len(groups) - len(extra)] == mixin and groups[len(groups) - len(extra):] == extra,
              f"{label}: PrometheusRule groups equal the mixin's rules ({RULES.replace(ROOT + '/', '')}, {len(mixin)} groups, "
              f"{sum(len(g.get('rules', [])) for g in mixin)} rules), parsed as YAML")
        check(merged["prometheusRule"]["additionalLabels"].items() <= get(rule, "metadata", "labels", default={}).items(), f"{label}: PrometheusRule labels")
        promtool_rules(groups, label)

    notes = next((t for p, t in rendered.items() if p.endswith("NOTES.txt")), "")
    check(get(service, "metadata", "name") in notes and f"{scheme}://" in notes, f"{label}: NOTES.txt names the Service and the scheme")
    return {"label": label, "values": merged, "objects": objects, "deployment": deployment, "scheme": scheme, "basic_auth": basic_auth,
            "client_auth": client_auth}


def check_config_file(text, exporter, label):
    if not exporter:
        return
    directory = tempdir("chart-config-")
    path = os.path.join(directory, "config.yml")
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    try:
        result = subprocess.run([exporter, "--config.check", "--config.file", path], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        fail(f"{label}: {exporter} --config.check: {error}")
        return
    summary = (result.stdout + result.stderr).strip().splitlines()
    check(result.returncode == 0, f"{label}: the rendered config file passes --config.check: {summary[-1] if summary else ''}")


def promtool_rules(groups, label):
    promtool = shutil.which("promtool")
    if not promtool:
        print(f"skip {label}: promtool check rules: no promtool (apt-get install prometheus)")
        return
    directory = tempdir("chart-rules-")
    path = os.path.join(directory, "rules.yml")
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump({"groups": groups}, stream)
    result = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True, timeout=60)
    summary = (result.stdout + result.stderr).strip().splitlines()
    check(result.returncode == 0, f"{label}: promtool check rules on the PrometheusRule's groups: {summary[-1] if summary else ''}")


def check_rules_copy():
    with open(os.path.join(CHART, "files/rules.yml"), encoding="utf-8") as stream:
        copy_ = yaml.safe_load(stream)
    check(copy_ == load_rules(), "files/rules.yml equals alerts/workspaces-images.rules.yml (scripts/mixin.sh renders both)")


def check_checksums(chart):
    """checksum/config and checksum/web-config change with their own content only."""
    def annotations(values):
        deployment = by_kind(objects_of(render(chart, values)), "Deployment")[0]
        return get(deployment, "spec", "template", "metadata", "annotations", default={})
    base = {"config": {"targets": [{"regions": ["eu-west-1"]}]}, "webConfig": {"config": {"http_server_config": {"headers": {"X-Frame-Options": "deny"}}}}}
    first = annotations(base)
    same = annotations(copy.deepcopy(base))
    changed_config = copy.deepcopy(base)
    changed_config["config"]["targets"][0]["regions"] = ["eu-west-2"]
    changed_web = copy.deepcopy(base)
    changed_web["webConfig"]["config"]["http_server_config"]["headers"]["X-Frame-Options"] = "sameorigin"
    a, b = annotations(changed_config), annotations(changed_web)
    check(first.get("checksum/config") and first == same, "checksum annotations are stable for the same values")
    check(a["checksum/config"] != first["checksum/config"] and a["checksum/web-config"] == first["checksum/web-config"],
          "a changed config file changes checksum/config only (pods roll)")
    check(b["checksum/web-config"] != first["checksum/web-config"] and b["checksum/config"] == first["checksum/config"],
          "a changed web config changes checksum/web-config only (pods roll)")
    # The checksum is the SHA-256 of the rendered ConfigMap.
    manifests = chart.render(values=base, name=RELEASE, namespace=NAMESPACE, is_install=True)
    configmap = next(t for p, t in manifests.items() if p.endswith("/configmap.yaml"))
    check(hashlib.sha256(configmap.encode()).hexdigest() == first["checksum/config"], "checksum/config is the SHA-256 of the rendered ConfigMap")


# --- 8: the rendered Deployment, run ---------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(argv, env, log_path):
    log = open(log_path, "wb")
    child = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    children.append(child)
    return child


def wait_listening(port, child, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(child):
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            return child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=5)
    return child.returncode


def fetch(url, context=None, auth=None, timeout=15, headers=()):
    request = urllib.request.Request(url)
    for name, content in headers:
        request.add_header(name, content)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text):
    result = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            result.append((match.group(1), dict(LABEL.findall(match.group(3) or "")), float(match.group(4))))
    return result


def value(parsed, name, **labels):
    found = [v for n, l, v in parsed if n == name and labels.items() <= l.items()]
    return found[0] if len(found) == 1 else None


class PodIdentityAgent:
    """The EKS Pod Identity agent as the exporter sees it: credentials at
    AWS_CONTAINER_CREDENTIALS_FULL_URI for the token in
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (here on loopback, as the exporter
    allows for http; the agent's 169.254.170.23 is the same rule). Like the
    real agent it hands out a role's temporary credentials, which it gets
    from the emulator's STS (AssumeRoleWithWebIdentity needs no signature)."""

    def __init__(self, token, sts_url, role):
        agent = self
        self.requests = 0
        form = urllib.parse.urlencode({"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role,
                                       "RoleSessionName": "eks-pod-identity", "WebIdentityToken": "pod-identity"}).encode()
        with urllib.request.urlopen(urllib.request.Request(sts_url, data=form), timeout=10) as response:
            answer = response.read().decode()
        field = lambda name: re.search(f"<{name}>([^<]*)</{name}>", answer).group(1)
        issued = {"AccessKeyId": field("AccessKeyId"), "SecretAccessKey": field("SecretAccessKey"), "Token": field("SessionToken"),
                  "Expiration": field("Expiration")}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                agent.requests += 1
                if self.headers.get("Authorization") != token:
                    self.send_response(403)
                    self.end_headers()
                    return
                body = json.dumps(issued).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/credentials"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def materialize(objects, pod, container, root, external):
    """Writes each ConfigMap and Secret volume's files under root + mountPath."""
    configmaps = {get(o, "metadata", "name"): o.get("data", {}) for o in by_kind(objects, "ConfigMap")}
    secrets = {}
    for secret in by_kind(objects, "Secret"):
        data = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
        data.update(secret.get("stringData", {}))
        secrets[get(secret, "metadata", "name")] = data
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    written = []
    mount_paths = []
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            name = volume["configMap"]["name"]
            data = configmaps.get(name, external.get(("ConfigMap", name)))
            items = volume["configMap"].get("items")
        elif "secret" in volume:
            name = volume["secret"]["secretName"]
            data = secrets.get(name, external.get(("Secret", name)))
            items = volume["secret"].get("items")
        else:
            raise RuntimeError(f"volume {mount['name']}: only configMap and secret volumes are run here")
        if data is None:
            raise RuntimeError(f"volume {mount['name']}: {name} is neither rendered nor a fixture of ci/check.py")
        directory = root + mount["mountPath"]
        os.makedirs(directory, exist_ok=True)
        for key, path in ([(i["key"], i["path"]) for i in items] if items else [(k, k) for k in data]):
            target = os.path.join(directory, path)
            with open(target, "w", encoding="utf-8") as stream:
                stream.write(data[key])
            written.append(target)
        mount_paths.append(mount["mountPath"])
    return written, sorted(mount_paths, key=len, reverse=True)


def rewrite(text, mount_paths, root):
    for path in mount_paths:
        text = re.sub(re.escape(path) + r"(?=/|$|\s|\")", lambda _: root + path, text)
    return text


def run_rendered(case, exporter, emulator_url, certs, log_dir):
    label, deployment, objects = case["label"], case["deployment"], case["objects"]
    pod = get(deployment, "spec", "template", "spec")
    container = get(pod, "containers", 0)
    root = tempdir("chart-run-")
    external = {("Secret", "workspaces-exporter-tls"): {
        "tls.crt": open(os.path.join(certs, "server.pem")).read(), "tls.key": open(os.path.join(certs, "server.key")).read(),
        "ca.crt": open(os.path.join(certs, "ca.pem")).read()},
        # ci/basic-auth-values.yaml's web config: user prometheus, password ci-password.
        ("Secret", "workspaces-exporter-web-config-mine"): {
        "web-config.yml": "basic_auth_users:\n  prometheus: $2y$10$p5VL8m38ZrUHAOdxruDb9eQQMqTfzWhoxcMbkpfdizMThnxkLhAuK\n"}}
    try:
        written, mount_paths = materialize(objects, pod, container, root, external)
    except RuntimeError as error:
        fail(f"{label}: run: {error}")
        return
    for path in written:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(rewrite(text, mount_paths, root))
    port = free_port()
    listen = [a for a in container.get("args", []) if a.startswith("--web.listen-address")]
    if not check(len(listen) == 1, f"{label}: run: one --web.listen-address to override"):
        return
    args = [f"--web.listen-address=127.0.0.1:{port}" if a.startswith("--web.listen-address") else rewrite(a, mount_paths, root)
            for a in container.get("args", [])]

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.lower().endswith("_proxy")}
    env.update({"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/config",
                "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_ENDPOINT_URL": emulator_url})
    for entry in container.get("env", []):
        if "value" not in entry:
            fail(f"{label}: run: env {entry.get('name')} is not a plain value")
            return
        env[entry["name"]] = entry["value"]
    # Credentials as EKS gives them.
    account = get(by_kind(objects, "ServiceAccount"), 0, default={})
    role = get(account, "metadata", "annotations", "eks.amazonaws.com/role-arn")
    agent = None
    if role:
        # The IRSA webhook: a projected token and two variables.
        token = os.path.join(root, "var/run/secrets/eks.amazonaws.com/serviceaccount/token")
        os.makedirs(os.path.dirname(token))
        with open(token, "w") as stream:
            stream.write("eyJhbGciOiJSUzI1NiJ9.irsa-token.signature")
        env.update({"AWS_ROLE_ARN": role, "AWS_WEB_IDENTITY_TOKEN_FILE": token})
        credentials = f"IRSA web identity for {role}"
    elif "pod-identity" in label:
        token = os.path.join(root, "var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")
        os.makedirs(os.path.dirname(token))
        with open(token, "w") as stream:
            stream.write("pod-identity-token")
        agent = PodIdentityAgent("pod-identity-token", emulator_url, f"arn:aws:iam::{EMULATOR_ACCOUNT}:role/workspaces-exporter")
        env.update({"AWS_CONTAINER_CREDENTIALS_FULL_URI": agent.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token})
        credentials = "the Pod Identity agent"
    else:
        env.update({"AWS_ACCESS_KEY_ID": "AKIDEMULATOR", "AWS_SECRET_ACCESS_KEY": "emulator-secret"})
        credentials = "keys in the environment"

    def operations():
        return json.loads(fetch(emulator_url + "/emulator/stats")[2]).get("operations", {})
    before = operations()
    log_path = os.path.join(log_dir, os.path.basename(label).replace(".yaml", ".log"))
    started = time.monotonic()
    child = start([exporter] + args, env, log_path)
    base = f"{case['scheme']}://127.0.0.1:{port}"
    web = case["values"]["webConfig"]["config"] or {}
    # A client certificate when the server asks for one; with client_allowed_sans, one that carries client.test.
    client = None if case["client_auth"] == "NoClientCert" else "client-sans" if get(web, "tls_server_config", "client_allowed_sans") else "client"
    context = tls_context(certs, client) if case["scheme"] == "https" else None
    auth = ("prometheus", "ci-password") if case["basic_auth"] else None
    try:
        if not check(wait_listening(port, child), f"{label}: run: the exporter listens ({' '.join(args)})"):
            return
        # What the kubelet's probes do.
        for probe in ("livenessProbe", "readinessProbe"):
            definition = container.get(probe, {})
            if "tcpSocket" in definition:
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    check(True, f"{label}: run: {probe} (TCP) connects")
                continue
            get_ = definition.get("httpGet", {})
            url = f"{get_.get('scheme', 'HTTP').lower()}://127.0.0.1:{port}{get_.get('path')}"
            deadline = time.monotonic() + 30
            status = None
            while time.monotonic() < deadline:
                status = fetch(url, context, headers=[(h["name"], h["value"]) for h in get_.get("httpHeaders", [])])[0]
                if status == 200:
                    break
                time.sleep(0.2)
            check(status == 200, f"{label}: run: {probe} GET {url} answers {status}")
        if auth:
            status = fetch(base + "/metrics", context)[0]
            check(status == 401, f"{label}: run: /metrics without the password answers {status} (401)")
        args_seen = container.get("args", [])
        if "--no-web.metrics-targets" in args_seen:
            probe_mode(case, base, context, auth)
        else:
            metrics_mode(case, base, context, auth)
        if web:
            web_file = next(a.split("=", 1)[1] for a in args if a.startswith("--web.config.file="))
            web_config_mode(case, base, certs, client, context, auth, web_file)
        if role:
            after = operations()
            exchanged = after.get("AssumeRoleWithWebIdentity", 0) - before.get("AssumeRoleWithWebIdentity", 0)
            check(exchanged >= 1, f"{label}: run: the IRSA token was exchanged with STS (AssumeRoleWithWebIdentity x{exchanged})")
        if case["values"]["log"]["format"] == "json":
            child_log = open(log_path, encoding="utf-8", errors="replace").read().splitlines()
            check(child_log and all(isinstance(json.loads(line), dict) for line in child_log if line.strip()), f"{label}: run: the log is JSON")
        print(f"info {label}: run with {credentials}, {time.monotonic() - started:.1f} s")
    except (OSError, ValueError) as error:
        fail(f"{label}: run: {error}")
    finally:
        status = stop(child)
        check(status == 0, f"{label}: run: the exporter exits 0 on SIGTERM ({status})")
        if agent:
            check(agent.requests > 0, f"{label}: run: credentials came from the Pod Identity agent ({agent.requests} requests)")
            agent.close()
        if any(f.startswith(label + ": run") for f in failures):
            print(f"---- {label}: exporter log\n" + open(log_path, encoding="utf-8", errors="replace").read()[-6000:])


def metrics_mode(case, base, context, auth):
    label, values = case["label"], case["values"]
    status, headers, text = fetch(base + "/metrics", context, auth)
    parsed = samples(text)
    check(status == 200 and any(n.startswith("aws_workspaces_") for n, _, _ in parsed), f"{label}: run: /metrics answers {status} with aws_workspaces_ metrics")
    ups = {(l.get("account_id"), l.get("region")): v for n, l, v in parsed if n == "aws_workspaces_up"}
    if values["config"]:
        wanted = {(t.get("account_id"), r) for t in values["config"].get("targets", []) for r in t["regions"]}
    else:
        account = MEMBER_ACCOUNT if values["aws"]["roleArn"] else EMULATOR_ACCOUNT
        wanted = {(account, r) for r in [values["aws"]["region"]] + values["aws"]["additionalRegions"]}
    check(ups == {w: 1.0 for w in wanted}, f"{label}: run: aws_workspaces_up 1 for {sorted(wanted)} (got {ups})")
    images = [l for n, l, _ in parsed if n == "aws_workspaces_image_info"]
    check(len(images) >= len(wanted), f"{label}: run: {len(images)} aws_workspaces_image_info series")
    header = (values["webConfig"]["config"] or {}).get("http_server_config", {}).get("headers", {})
    for name, content in header.items():
        check(headers.get(name) == content, f"{label}: run: header {name}: {content}")


def tls_context(certs, client=None, maximum=None, ciphers=None):
    """A client's TLS context trusting the test CA, with a client certificate (client.pem, client-sans.pem, …)."""
    context = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    if client:
        context.load_cert_chain(os.path.join(certs, f"{client}.pem"), os.path.join(certs, f"{client}.key"))
    if maximum:
        context.maximum_version = maximum
    if ciphers:
        context.set_ciphers(ciphers)
    return context


def handshake(port, context):
    """(version, OpenSSL cipher name) of a TLS connection, or the error; a request is sent
    and its status line read, as TLS 1.3 servers refuse client certificates after the handshake."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                status = tls.recv(64).decode("latin-1").split("\r\n")[0]
                if not status.startswith("HTTP/1.1 "):
                    return None, f"closed without an answer ({status!r})"
                return (tls.version(), tls.cipher()[0]), status
    except (OSError, ssl.SSLError) as error:
        return None, f"{type(error).__name__}: {error}"


def openssl_cipher(go_name):
    """The OpenSSL name of a Go (IANA) TLS 1.2 suite name, e.g. ECDHE-ECDSA-AES128-GCM-SHA256."""
    match = re.fullmatch(r"TLS_(?:ECDHE_(ECDSA|RSA)_)?(?:RSA_)?WITH_(AES_(128|256)_(GCM|CBC)|CHACHA20_POLY1305)_(SHA(?:256|384)?)", go_name)
    if not match:
        return None
    kx = f"ECDHE-{match.group(1)}-" if match.group(1) else ""
    if match.group(2) is None:
        return kx + "CHACHA20-POLY1305"
    if match.group(4) == "GCM":
        return f"{kx}AES{match.group(3)}-GCM-{match.group(5)}"
    return f"{kx}AES{match.group(3)}-SHA"


def web_config_mode(case, base, certs, client, context, auth, web_file):
    """What the rendered web config asks for, seen from outside: client certificates,
    allowed SANs, cipher suites, versions, the rate limit; then the file changed in
    place, as the kubelet updates a mounted Secret, applies without a restart."""
    label, web = case["label"], case["values"]["webConfig"]["config"]
    port = int(base.rsplit(":", 1)[1])
    tls_server = web.get("tls_server_config") or {}
    if case["scheme"] == "https" and case["client_auth"] in ("RequireAnyClientCert", "RequireClientCert", "RequireAndVerifyClientCert"):
        answered, detail = handshake(port, tls_context(certs))
        check(answered is None, f"{label}: run: client_auth_type {case['client_auth']}: a client without a certificate is refused ({detail})")
    if case["scheme"] == "https" and case["client_auth"] in ("VerifyClientCertIfGiven", "RequireAndVerifyClientCert"):
        answered, detail = handshake(port, tls_context(certs, "client-untrusted"))
        check(answered is None, f"{label}: run: a client certificate from another CA is refused ({detail})")
    if case["scheme"] == "https" and tls_server.get("client_allowed_sans"):
        answered, detail = handshake(port, tls_context(certs, "client-other-sans"))
        check(answered is None, f"{label}: run: a client certificate without one of client_allowed_sans is refused ({detail})")
    listed = [openssl_cipher(s) for s in tls_server.get("cipher_suites", [])]
    if case["scheme"] == "https" and listed and tls_server.get("min_version", "TLS12") <= "TLS12":
        answered, detail = handshake(port, tls_context(certs, client, maximum=ssl.TLSVersion.TLSv1_2))
        check(answered and answered[0] == "TLSv1.2" and answered[1] in listed,
              f"{label}: run: over TLS 1.2 a listed suite is negotiated ({answered}, {detail}; listed {listed})")
        others = [c for c in ("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256") if c not in listed]
        if others:
            answered, detail = handshake(port, tls_context(certs, client, maximum=ssl.TLSVersion.TLSv1_2, ciphers=others[0]))
            check(answered is None, f"{label}: run: a client offering only {others[0]} (not in cipher_suites) is refused ({detail})")
    versions = {"TLS12": "TLSv1.2", "TLS13": "TLSv1.3"}
    if case["scheme"] == "https" and tls_server.get("max_version") in versions:
        answered, detail = handshake(port, tls_context(certs, client))
        wanted = versions[tls_server["max_version"]]
        check(answered and answered[0] == wanted, f"{label}: run: max_version {tls_server['max_version']}: {wanted} is negotiated ({answered}, {detail})")
    limit = web.get("rate_limit") or {}
    interval = go_seconds(limit.get("interval"))
    burst = limit.get("burst", 0)
    if interval and burst and interval * burst <= 30:
        # Within the limit (a token back after one interval): 200.
        time.sleep(interval + 0.1)
        status = fetch(base + "/metrics", context, auth)[0]
        check(status == 200, f"{label}: run: /metrics within rate_limit (interval {limit['interval']}, burst {burst}) answers {status}")
        # Past the burst: 429 Too Many Requests (before basic authentication).
        statuses = []
        for _ in range(burst + 20):
            statuses.append(fetch(base + "/-/healthy", context)[0])
            if statuses[-1] == 429:
                break
        check(statuses[-1] == 429 and set(statuses[:-1]) <= {200, 401},
              f"{label}: run: past the burst of {burst} a request answers 429 (after {len(statuses) - 1} answered {sorted(set(statuses[:-1]))})")
        time.sleep(interval + 0.1)
        status = fetch(base + "/-/healthy", context, auth)[0]
        check(status == 200, f"{label}: run: one interval ({limit['interval']}) later a request answers {status} again")
    # The Secret changes: the kubelet swaps the mounted file atomically; the exporter reads it again
    # before the next request. Another X-Frame-Options, and no rate limit.
    with open(web_file, encoding="utf-8") as stream:
        changed = yaml.safe_load(stream)
    headers = changed.setdefault("http_server_config", {}).setdefault("headers", {})
    frame = "deny" if headers.get("X-Frame-Options") == "sameorigin" else "sameorigin"
    headers["X-Frame-Options"] = frame
    changed.pop("rate_limit", None)
    with open(web_file + ".new", "w", encoding="utf-8") as stream:
        yaml.safe_dump(changed, stream)
    os.replace(web_file + ".new", web_file)
    deadline = time.monotonic() + 10
    seen = None
    while time.monotonic() < deadline:
        if interval:
            time.sleep(interval + 0.1)  # a token, until the new file (without a limit) is in service
        status, response_headers, _ = fetch(base + "/-/healthy", context, auth)
        seen = (status, response_headers.get("X-Frame-Options"))
        if seen == (200, frame):
            break
    check(seen == (200, frame), f"{label}: run: the web config changed in place: X-Frame-Options {frame} without a restart (got {seen})")
    if interval:
        statuses = [fetch(base + "/-/healthy", context, auth)[0] for _ in range((burst or 0) + 5)]
        check(set(statuses) == {200}, f"{label}: run: rate_limit removed in place: {len(statuses)} requests at once answer {sorted(set(statuses))}")


def probe_mode(case, base, context, auth):
    """/sd lists every target and /probe collects each, as the ScrapeConfig does."""
    label, values = case["label"], case["values"]
    deadline = time.monotonic() + 30
    status, text = None, ""
    while time.monotonic() < deadline:
        status, _, text = fetch(base + "/sd", context, auth)
        if status == 200:
            break
        time.sleep(0.2)
    targets = sorted(t for entry in (json.loads(text) if status == 200 else []) for t in entry["targets"])
    static = {f"{t['account_id']}/{r}" for t in values["config"].get("targets", []) for r in t["regions"]}
    discovered = {f"{a}/{r}" for o in values["config"].get("organizations", []) for r in o["regions"] for a in (EMULATOR_ACCOUNT, MEMBER_ACCOUNT)}
    check(status == 200 and set(targets) == static | discovered, f"{label}: run: /sd lists {sorted(static | discovered)} (got {status} {targets})")
    status, _, text = fetch(base + "/metrics", context, auth)
    parsed = samples(text)
    check(status == 200 and value(parsed, "aws_workspaces_discovery_success", source="organizations/0") == 1
          and value(parsed, "aws_workspaces_discovery_accounts", source="organizations/0") == 2,
          f"{label}: run: /metrics answers {status}: discovery succeeded, 2 accounts")
    for target in targets:
        account, region = target.split("/")
        status, _, text = fetch(f"{base}/probe?target={target}", context, auth)
        up = value(samples(text), "aws_workspaces_up", account_id=account, region=region)
        check(status == 200 and up == 1, f"{label}: run: /probe?target={target} answers {status}, aws_workspaces_up {up}")


# --- main ------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    binaries = os.environ.get("WORKSPACES_BIN_DIR") or os.path.join(ROOT, ".build/debug")
    parser.add_argument("--exporter", default=os.path.join(binaries, "workspaces_exporter"))
    parser.add_argument("--emulator", default=os.path.join(binaries, "workspaces_emulator"))
    parser.add_argument("--no-run", action="store_true", help="skip running the rendered Deployment")
    parser.add_argument("--time-limit", type=int, default=300, help="seconds for everything (default 300)")
    options = parser.parse_args()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(options.time_limit)
    started = time.monotonic()
    exporter = options.exporter if os.access(options.exporter, os.X_OK) else None
    if not options.no_run and not exporter:
        fail(f"no exporter binary at {options.exporter} (swift build, or --no-run)")
    print(f"helm SDK {helm.helm_sdk_version()} (helm-python-sdk {helm.__version__}), kubernetes-validate {getattr(kubernetes_validate, '__version__', '?')}, Kubernetes {K8S_VERSION}")

    chart = load_chart()
    check_metadata(chart)
    check_docs()
    check_schema(chart)
    check_lint()
    check_refusals(chart)
    check_rules_copy()
    check_checksums(chart)
    cases = [c for c in (check_rendered(chart, path, exporter) for path in ci_files()) if c]
    check(len(ci_files()) >= 6, f"{len(ci_files())} ci/*-values.yaml files rendered")

    if not options.no_run and exporter:
        if not os.access(options.emulator, os.X_OK):
            fail(f"no emulator binary at {options.emulator}")
        else:
            certs = tempdir("chart-certs-")
            made = subprocess.run([sys.executable, os.path.join(ROOT, "Tests/Fixtures/make_certs.py"), certs], capture_output=True, text=True, timeout=60)
            if not check(made.returncode == 0, "test certificates made (Tests/Fixtures/make_certs.py)"):
                print(made.stdout + made.stderr)
            else:
                logs = tempdir("chart-logs-")
                port = free_port()
                emulator_log = os.path.join(logs, "emulator.log")
                emulator = start([options.emulator, "--listen-address", f"127.0.0.1:{port}", "--images", "5",
                                  "--account", f"{MEMBER_ACCOUNT}:3:0",
                                  "--external-id", f"arn:aws:iam::{MEMBER_ACCOUNT}:role/workspaces-reader={EXTERNAL_ID}",
                                  "--external-id", f"arn:aws:iam::{MEMBER_ACCOUNT}:role/WorkSpacesReader={EXTERNAL_ID}"],
                                 dict(os.environ), emulator_log)
                if check(wait_listening(port, emulator), f"the emulator listens on 127.0.0.1:{port}"):
                    for case in cases:
                        run_rendered(case, exporter, f"http://127.0.0.1:{port}", certs, logs)
                stop(emulator)

    print(f"{len(failures)} failed" if failures else "all checks passed")
    print(f"took {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        status = main()
    except Exception as error:  # a bug or an unexpected answer: report it as a failure, with the trace
        import traceback
        traceback.print_exc()
        fail(f"check.py stopped: {type(error).__name__}: {error}")
        status = 1
    sys.exit(status)
