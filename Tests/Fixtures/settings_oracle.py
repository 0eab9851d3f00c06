#!/usr/bin/env python3
"""botocore's answer for the settings the exporter reads from the environment
and the profile (Sources/AWSWorkSpaces/Core/AWSSettings.swift), for the
cases given as JSON on stdin: [{"env": {...}, "config": "text"}, ...].

For each case the config file is written to a temporary folder, the
environment is replaced by the case's (AWS_CONFIG_FILE pointing at the file),
and botocore is asked as a client would ask it:

  retry:     a WorkSpaces client's meta.config.retries (mode and
             total_max_attempts), or the error creating it
  endpoint:  the same client's endpoint_url (FIPS and dual-stack)
  imds:      the InstanceMetadataFetcher botocore's credential chain builds:
             base URL, timeout, attempts, v1 disabled, or the error

Prints one JSON list of results, in order.
"""
import json
import os
import sys
import tempfile

import botocore.session
from botocore.credentials import create_credential_resolver
from botocore.utils import InstanceMetadataFetcher, resolve_imds_endpoint_mode

cases = json.load(sys.stdin)
results = []
folder = tempfile.mkdtemp(prefix="settings-oracle-")
base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
for index, case in enumerate(cases):
    path = os.path.join(folder, f"config-{index}")
    with open(path, "w") as f:
        f.write(case.get("config", ""))
    os.environ.clear()
    os.environ.update(base_env)
    os.environ.update({"AWS_CONFIG_FILE": path, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(folder, "none"),
                       "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"})
    os.environ.update(case.get("env", {}))
    result = {}
    session = botocore.session.Session()
    try:
        client = session.create_client("workspaces", region_name="us-east-1")
        retries = client.meta.config.retries or {}
        result["retry"] = {"mode": retries.get("mode"), "total_max_attempts": retries.get("total_max_attempts")}
        result["endpoint"] = client.meta.endpoint_url
    except Exception as error:  # noqa: BLE001 - the class is the answer
        result["retry"] = {"error": type(error).__name__}
    try:
        config = {
            "ec2_metadata_service_endpoint": session.get_config_variable("ec2_metadata_service_endpoint"),
            "ec2_metadata_service_endpoint_mode": resolve_imds_endpoint_mode(session),
            "ec2_metadata_v1_disabled": session.get_config_variable("ec2_metadata_v1_disabled"),
        }
        fetcher = InstanceMetadataFetcher(
            timeout=session.get_config_variable("metadata_service_timeout"),
            num_attempts=session.get_config_variable("metadata_service_num_attempts"),
            config=config)
        result["imds"] = {"endpoint": fetcher.get_base_url().rstrip("/"), "timeout": float(fetcher._timeout),
                          "attempts": int(fetcher._num_attempts), "v1_disabled": bool(fetcher._imds_v1_disabled),
                          "disabled": bool(fetcher._disabled)}
    except Exception as error:  # noqa: BLE001
        result["imds"] = {"error": type(error).__name__}
    results.append(result)
print(json.dumps(results))
