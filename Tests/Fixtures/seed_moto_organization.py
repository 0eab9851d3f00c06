"""Seeds a moto_server (auth off) with an AWS organisation for discovery
tests: the management account (moto's default, 123456789012) creates the
organisation and member accounts, each with WorkSpaces images in one region.

Usage:
  seed_moto_organization.py ENDPOINT create REGION
      members "prod" (tag workspaces=true), "dev" (tag workspaces=true, in
      OU "vdi"), "sandbox" (to be excluded), "closed" (SUSPENDED), "untagged";
      prints {"members": {NAME: ID}, "ou": OU_ID, "root": ROOT_ID,
              "images": {ID: [IMAGE_ID...]}}
  seed_moto_organization.py ENDPOINT add REGION NAME
      one more member with images; prints {"id": ID, "images": [IMAGE_ID...]}
  seed_moto_organization.py ENDPOINT close REGION ACCOUNT
      closes the account (SUSPENDED); prints {}
  seed_moto_organization.py ENDPOINT share REGION OWNER IMAGE_ID ACCOUNT...
      shares OWNER's image with each ACCOUNT; prints {}
"""
import json
import os
import sys

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_moto_accounts import seed  # noqa: E402


def organizations(endpoint):
    return boto3.client("organizations", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="seeder", aws_secret_access_key="seeder")


def member(org, name, tags=None):
    status = org.create_account(AccountName=name, Email=f"{name}@example.com",
                                Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    return status["CreateAccountStatus"]["AccountId"]


def create(endpoint, region):
    org = organizations(endpoint)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    members = {
        "prod": member(org, "prod", {"workspaces": "true"}),
        "dev": member(org, "dev", {"workspaces": "true"}),
        "sandbox": member(org, "sandbox", {"workspaces": "true"}),
        "closed": member(org, "closed", {"workspaces": "true"}),
        "untagged": member(org, "untagged"),
    }
    ou = org.create_organizational_unit(ParentId=root, Name="vdi")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=members["dev"], SourceParentId=root, DestinationParentId=ou)
    org.close_account(AccountId=members["closed"])
    images = {}
    for index, (name, account) in enumerate(sorted(members.items())):
        if name != "closed":
            images[account] = seed(endpoint, account, region, 1 + index % 3)
    return {"members": members, "ou": ou, "root": root, "images": images}


def add(endpoint, region, name):
    account = member(organizations(endpoint), name, {"workspaces": "true"})
    return {"id": account, "images": seed(endpoint, account, region, 2)}


def share(endpoint, region, owner, image, accounts):
    workspaces = boto3.client("workspaces", endpoint_url=endpoint, region_name=region,
                              aws_access_key_id="seeder", aws_secret_access_key="seeder")
    workspaces.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", owner))
    for account in accounts:
        workspaces.update_workspace_image_permission(ImageId=image, AllowCopyImage=True, SharedAccountId=account)
    return {}


if __name__ == "__main__":
    endpoint, command, region = sys.argv[1:4]
    if command == "create":
        print(json.dumps(create(endpoint, region)))
    elif command == "close":
        organizations(endpoint).close_account(AccountId=sys.argv[4])
        print("{}")
    elif command == "share":
        print(json.dumps(share(endpoint, region, sys.argv[4], sys.argv[5], sys.argv[6:])))
    else:
        print(json.dumps(add(endpoint, region, sys.argv[4])))
