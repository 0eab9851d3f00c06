"""Seeds a moto_server (auth off) with WorkSpaces images in several accounts,
each in one region, so that the exporter's AssumeRole into another account
can be checked against an independent implementation: moto maps the assumed
role's credentials to the role's account and answers with that account's images.

Usage: seed_moto_accounts.py ENDPOINT_URL ACCOUNT:REGION:COUNT...
Prints {"ACCOUNT:REGION": [image ids]} as JSON.
"""
import json
import sys

import boto3


def client(service, endpoint, region, account):
    c = boto3.client(service, endpoint_url=endpoint, region_name=region,
                     aws_access_key_id="seeder", aws_secret_access_key="seeder")
    # moto's own header: which account an unauthenticated call acts in.
    c.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return c


def seed(endpoint, account, region, count):
    ec2 = client("ec2", endpoint, region, account)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=region + zone)["Subnet"]["SubnetId"]
               for cidr, zone in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))]
    ds = client("ds", endpoint, region, account)
    directory = ds.create_directory(Name=f"corp{account}.example.com", Password="Passw0rd!Passw0rd", Size="Small",
                                    VpcSettings={"VpcId": vpc, "SubnetIds": subnets})["DirectoryId"]
    workspaces = client("workspaces", endpoint, region, account)
    workspaces.register_workspace_directory(DirectoryId=directory)
    created = workspaces.create_workspaces(Workspaces=[{"DirectoryId": directory, "UserName": "builder", "BundleId": "wsb-12345678"}])
    workspace = created["PendingRequests"][0]["WorkspaceId"]
    ids = []
    for index in range(count):
        image = workspaces.create_workspace_image(Name=f"img-{account}-{index}", Description="seeded", WorkspaceId=workspace)
        ids.append(image["ImageId"])
    return ids


if __name__ == "__main__":
    endpoint = sys.argv[1]
    result = {}
    for spec in sys.argv[2:]:
        account, region, count = spec.split(":")
        result[f"{account}:{region}"] = seed(endpoint, account, region, int(count))
    print(json.dumps(result))
