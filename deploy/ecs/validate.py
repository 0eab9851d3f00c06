#!/usr/bin/env python3
"""Offline checks of the ECS task definition; no AWS account needed.

    deploy/ecs/validate.py

1. task-definition.json is valid input of ECS RegisterTaskDefinition, checked
   with botocore's own parameter validator against the ECS service model that
   ships with botocore (unknown keys, types and required members fail), so
   that `aws ecs register-task-definition --cli-input-json
   file://task-definition.json` accepts it; and, which that validator leaves
   out, every string with an enumeration in the model is one of its values.
2. Fargate: the task's cpu and memory are a combination Fargate offers, the
   container's memory fits in the task's, and stopTimeout is at most 120 s.
3. It agrees with the image and the exporter: the image tag is VERSION, the
   container port and the ECS_PROMETHEUS_EXPORTER_PORT label are the
   Dockerfile's EXPOSE, the user is the Dockerfile's USER, the root file
   system is read-only, every capability is dropped, nothing is privileged,
   and the region of the command, AWS_REGION and the log configuration agree.
4. No credentials in the environment: the task role gives them.
5. task-role-trust-policy.json lets ecs-tasks.amazonaws.com assume the role,
   for ECS tasks of the task role's own account in the task's region only; the role's permissions are
   deploy/kubernetes/iam-policy.json (the same for every platform).

Prints what it checked; exits 1 with every problem found.
"""
import json
import pathlib
import re
import sys

import botocore.session
import botocore.validate

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# Fargate's task sizes: cpu units -> memory MiB allowed.
FARGATE = {
    "256": {512, 1024, 2048},
    "512": set(range(1024, 4096 + 1, 1024)),
    "1024": set(range(2048, 8192 + 1, 1024)),
    "2048": set(range(4096, 16384 + 1, 1024)),
    "4096": set(range(8192, 30720 + 1, 1024)),
}
CREDENTIAL_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}


def main():
    problems = []
    definition = json.loads((HERE / "task-definition.json").read_text())

    # 1. The ECS API's own input shape.
    operation = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition")
    report = botocore.validate.ParamValidator().validate(definition, operation.input_shape)
    if report.has_errors():
        problems.append("not valid RegisterTaskDefinition input:\n" + report.generate_report())
    else:
        print(f"ok: valid RegisterTaskDefinition input (botocore {botocore.__version__})")
    for path, value, allowed in enumeration_errors(definition, operation.input_shape, "task definition"):
        problems.append(f"{path}: {value!r} is not one of {sorted(allowed)}")

    containers = definition.get("containerDefinitions", [])
    if len(containers) != 1:
        problems.append(f"expected one container definition, found {len(containers)}")
        return finish(problems)
    container = containers[0]

    # 2. Fargate sizes.
    cpu, memory = definition.get("cpu"), definition.get("memory")
    if "FARGATE" in definition.get("requiresCompatibilities", []):
        if cpu not in FARGATE or int(memory or 0) not in FARGATE[cpu]:
            problems.append(f"cpu {cpu} with memory {memory} is not a Fargate task size")
        if definition.get("networkMode") != "awsvpc":
            problems.append("Fargate needs networkMode awsvpc")
        if container.get("stopTimeout", 30) > 120:
            problems.append("stopTimeout over Fargate's 120 s")
    if int(container.get("memory", 0)) > int(memory or 0):
        problems.append(f"container memory {container.get('memory')} MiB over the task's {memory}")
    if int(container.get("memoryReservation", 0)) > int(container.get("memory", 1 << 30)):
        problems.append("memoryReservation over the container's memory")

    # 3. The image and the exporter.
    dockerfile = (ROOT / "Dockerfile").read_text()
    version = (ROOT / "VERSION").read_text().strip()
    expose = re.search(r"^EXPOSE\s+(\d+)", dockerfile, re.M)
    user = re.search(r"^USER\s+(\S+)", dockerfile, re.M)
    if not container.get("image", "").endswith(f":{version}"):
        problems.append(f"image {container.get('image')} is not tagged {version} (VERSION)")
    ports = [mapping.get("containerPort") for mapping in container.get("portMappings", [])]
    if not expose or ports != [int(expose.group(1))]:
        problems.append(f"container ports {ports}, the Dockerfile exposes {expose.group(1) if expose else 'nothing'}")
    labels = container.get("dockerLabels", {})
    if labels.get("ECS_PROMETHEUS_EXPORTER_PORT") != str(ports[0] if ports else None):
        problems.append("the ECS_PROMETHEUS_EXPORTER_PORT label is not the container port")
    if labels.get("ECS_PROMETHEUS_METRICS_PATH") != "/metrics":
        problems.append("the ECS_PROMETHEUS_METRICS_PATH label is not /metrics")
    if not user or container.get("user") != user.group(1):
        problems.append(f"user {container.get('user')}, the Dockerfile's USER is {user.group(1) if user else 'unset'}")
    if container.get("readonlyRootFilesystem") is not True:
        problems.append("the root file system is not read-only")
    if container.get("privileged"):
        problems.append("the container is privileged")
    if container.get("linuxParameters", {}).get("capabilities", {}).get("drop") != ["ALL"]:
        problems.append("capabilities are not all dropped")
    if container.get("linuxParameters", {}).get("capabilities", {}).get("add"):
        problems.append("capabilities are added")
    environment = {entry["name"]: entry["value"] for entry in container.get("environment", [])}
    command_regions = [argument.split("=", 1)[1] for argument in container.get("command", []) if argument.startswith("--aws.region=")]
    regions = set(command_regions) | {environment.get("AWS_REGION")}
    log_region = container.get("logConfiguration", {}).get("options", {}).get("awslogs-region")
    if len(regions) != 1 or log_region not in regions:
        problems.append(f"regions disagree: command {command_regions}, AWS_REGION {environment.get('AWS_REGION')}, awslogs-region {log_region}")

    # 4. No credentials in the task definition.
    leaked = CREDENTIAL_VARIABLES & set(environment)
    if leaked:
        problems.append(f"credentials in the environment: {sorted(leaked)}; the task role gives them")

    # 5. The task role.
    role = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+", definition.get("taskRoleArn", ""))
    if not role:
        problems.append(f"taskRoleArn {definition.get('taskRoleArn')!r} is not a role ARN")
    trust = json.loads((HERE / "task-role-trust-policy.json").read_text())
    statements = trust.get("Statement", [])
    if not any(statement.get("Effect") == "Allow"
               and statement.get("Principal", {}).get("Service") == "ecs-tasks.amazonaws.com"
               and statement.get("Action") == "sts:AssumeRole" for statement in statements):
        problems.append("the trust policy does not let ecs-tasks.amazonaws.com assume the role")
    for statement in statements:
        condition = statement.get("Condition", {})
        account = condition.get("StringEquals", {}).get("aws:SourceAccount")
        if role and account != role.group(1):
            problems.append(f"the trust policy's aws:SourceAccount {account} is not the task role's account {role.group(1)}")
        source = condition.get("ArnLike", {}).get("aws:SourceArn", "")
        expected = f"arn:aws:ecs:{log_region}:{role.group(1) if role else '?'}:*"
        if source != expected:
            problems.append(f"the trust policy's aws:SourceArn {source!r} is not {expected!r} (the task's region and account)")
    if not (ROOT / "deploy/kubernetes/iam-policy.json").is_file():
        problems.append("deploy/kubernetes/iam-policy.json (the task role's permissions) is missing")
    return finish(problems)


def enumeration_errors(value, shape, path):
    """(path, value, allowed) for every string whose shape has an enumeration it is not in."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in value.items():
            if name in shape.members:
                yield from enumeration_errors(member, shape.members[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, member in enumerate(value):
            yield from enumeration_errors(member, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, member in value.items():
            yield from enumeration_errors(key, shape.key, f"{path} key")
            yield from enumeration_errors(member, shape.value, f"{path}[{key!r}]")
    elif shape.type_name == "string" and isinstance(value, str) and shape.enum and value not in shape.enum:
        yield path, value, shape.enum


def finish(problems):
    if problems:
        for problem in problems:
            print(f"FAIL: {problem}", file=sys.stderr)
        return 1
    print("ok: Fargate size, image, port, user, hardening, regions, no credentials, task role trust")
    return 0


if __name__ == "__main__":
    sys.exit(main())
