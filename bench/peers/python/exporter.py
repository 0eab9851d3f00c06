#!/usr/bin/env python3
"""Comparison peer for bench/compare.py: a WorkSpaces images exporter written the
way Python exporters usually are, with boto3 and prometheus_client.

A custom collector calls DescribeWorkspaceImages on every scrape (all pages,
through botocore's paginator, 25 per page) and yields gauge families;
prometheus_client's start_http_server serves them (gzip when accepted). It
exports the images-collector families of spec/metrics.md, labelled with
account_id and region, next to prometheus_client's default process, platform
and GC collectors.

Usage: exporter.py --listen-address 127.0.0.1:10029 --region us-east-1
                   [--endpoint-url http://127.0.0.1:4599] [--account-id 123456789012]
Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID, ...).
"""
import argparse
import logging
import os
import signal
import sys
import threading
import time

import boto3
import botocore.config
from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import GaugeMetricFamily

UNKNOWN = "unknown"
IMAGE_STATES = ("AVAILABLE", "PENDING", "ERROR")
TENANCIES = ("DEFAULT", "DEDICATED")
OS_TYPES = ("WINDOWS", "LINUX")

log = logging.getLogger("workspaces_exporter_python")


def value(field):
    return field if field else UNKNOWN


def error_detail_codes(client):
    """The ErrorDetails codes of the API model botocore ships (48 today)."""
    shape = client.meta.service_model.shape_for("WorkspaceImageErrorDetailCode")
    return list(shape.enum)


class ImagesCollector:
    def __init__(self, client, account_id, region):
        self.client = client
        self.target = [account_id, region]
        self.known_error_codes = error_detail_codes(client)
        self.paginator = client.get_paginator("describe_workspace_images")

    def describe(self):
        # Defined so that registering does not call collect() (and the API).
        return []

    def fetch(self):
        images = []
        for page in self.paginator.paginate(PaginationConfig={"PageSize": 25}):
            images.extend(page.get("Images", []))
        return images

    def collect(self):
        labels = ["account_id", "region"]
        start = time.monotonic()
        try:
            images = self.fetch()
            error = None
        except Exception as exc:  # any failure: up 0, no image series
            images, error = None, exc
        duration = GaugeMetricFamily("aws_workspaces_scrape_duration_seconds",
                                     "Seconds the images collection took.", labels=labels)
        duration.add_metric(self.target, time.monotonic() - start)
        up = GaugeMetricFamily("aws_workspaces_up", "1 when the images collection of this scrape succeeded, else 0.",
                               labels=labels)
        up.add_metric(self.target, 0 if error else 1)
        yield duration
        yield up
        if error is not None:
            code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
            log.error('msg="DescribeWorkspaceImages failed" code=%s message="%s" region=%s', code, error, self.target[1])
            return
        yield from self.image_families(images)

    def image_families(self, images):
        now = time.time()
        counts = {(s, t, o): 0 for s in IMAGE_STATES for t in TENANCIES for o in OS_TYPES}
        errors = dict.fromkeys(self.known_error_codes, 0)
        updates = 0
        base = ["account_id", "region"]
        info = GaugeMetricFamily("aws_workspaces_image_info", "Information about a WorkSpaces image; always 1.",
                                 labels=base + ["image_id", "name", "state", "required_tenancy", "os_type", "owner_account_id"])
        age = GaugeMetricFamily("aws_workspaces_image_age_seconds", "Seconds since the WorkSpaces image was created.",
                                labels=base + ["image_id"])
        created = GaugeMetricFamily("aws_workspaces_image_created_timestamp_seconds",
                                    "When the WorkSpaces image was created, in Unix seconds.", labels=base + ["image_id"])
        update = GaugeMetricFamily("aws_workspaces_image_update_available",
                                   "Whether updates are available for the WorkSpaces image (1) or not (0).",
                                   labels=base + ["image_id"])
        seen = set()
        for image in images:
            state = value(image.get("State"))
            tenancy = value(image.get("RequiredTenancy"))
            os_type = value(image.get("OperatingSystem", {}).get("Type"))
            key = (state, tenancy, os_type)
            counts[key] = counts.get(key, 0) + 1
            codes = set()
            if image.get("ErrorCode"):
                codes.add(image["ErrorCode"])
            for detail in image.get("ErrorDetails", []):
                if detail.get("ErrorCode"):
                    codes.add(detail["ErrorCode"])
            for code in codes:
                errors[code] = errors.get(code, 0) + 1
            available = image.get("Updates", {}).get("UpdateAvailable") is True
            updates += available
            image_id = value(image.get("ImageId"))
            if image_id in seen:  # duplicate series would be refused: keep the first
                continue
            seen.add(image_id)
            per_image = self.target + [image_id]
            info.add_metric(per_image + [value(image.get("Name")), state, tenancy, os_type,
                                         value(image.get("OwnerAccountId"))], 1)
            update.add_metric(per_image, 1 if available else 0)
            when = image.get("Created")  # botocore gives an aware datetime
            if when is not None:
                stamp = when.timestamp()
                created.add_metric(per_image, stamp)
                age.add_metric(per_image, max(0.0, now - stamp))
        families = GaugeMetricFamily("aws_workspaces_images",
                                     "Number of WorkSpaces images by state, required tenancy and operating system.",
                                     labels=base + ["state", "required_tenancy", "os_type"])
        for key in sorted(counts):
            families.add_metric(self.target + list(key), counts[key])
        error_family = GaugeMetricFamily("aws_workspaces_image_errors",
                                         "Number of WorkSpaces images reporting an error code, as their ErrorCode or in ErrorDetails.",
                                         labels=base + ["error_code"])
        for code in sorted(errors):
            error_family.add_metric(self.target + [code], errors[code])
        total_updates = GaugeMetricFamily("aws_workspaces_images_update_available",
                                          "Number of WorkSpaces images with updates available.", labels=base)
        total_updates.add_metric(self.target, updates)
        return [families, error_family, total_updates, info, age, created, update]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen-address", default="127.0.0.1:10029")
    parser.add_argument("--endpoint-url", default=None)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"))
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument("--timeout", type=float, default=30, help="connect and read timeout of each API request")
    args = parser.parse_args()
    if not args.region:
        parser.error("no region: give --region or AWS_REGION")
    logging.basicConfig(level=logging.INFO, format="ts=%(asctime)s level=%(levelname)s %(message)s")

    config = botocore.config.Config(connect_timeout=5, read_timeout=args.timeout, retries={"mode": "standard"})
    client = boto3.session.Session().client("workspaces", region_name=args.region, endpoint_url=args.endpoint_url,
                                            config=config)
    REGISTRY.register(ImagesCollector(client, args.account_id, args.region))
    host, _, port = args.listen_address.rpartition(":")
    start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0")
    log.info('msg="listening" address=%s', args.listen_address)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
