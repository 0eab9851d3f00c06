"""Seeds a running moto_server (started with INITIAL_NO_AUTH_ACTION_COUNT=3)
with WorkSpaces images, an IAM user allowed only workspaces:DescribeWorkspaceImages
(the README's policy) and one allowed nothing, then prints their keys as JSON,
with the admin's (for a test that changes the images later).

The first three calls (admin user, its policy, its key) are the unauthenticated
ones; everything after is signed with the admin key and checked by moto.

Usage: seed_moto.py ENDPOINT_URL IMAGE_COUNT
"""
import json
import sys

import boto3

endpoint, count = sys.argv[1], int(sys.argv[2])
region = "us-east-1"
bootstrap = dict(endpoint_url=endpoint, region_name=region,
                 aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")

iam = boto3.client("iam", **bootstrap)
iam.create_user(UserName="admin")
iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
admin_key = iam.create_access_key(UserName="admin")["AccessKey"]

admin = dict(endpoint_url=endpoint, region_name=region,
             aws_access_key_id=admin_key["AccessKeyId"], aws_secret_access_key=admin_key["SecretAccessKey"])
ec2 = boto3.client("ec2", **admin)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
           for cidr, zone in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b"))]
ds = boto3.client("ds", **admin)
directory = ds.create_directory(Name="corp.example.com", Password="Passw0rd!Passw0rd", Size="Small",
                                VpcSettings={"VpcId": vpc, "SubnetIds": subnets})["DirectoryId"]
workspaces = boto3.client("workspaces", **admin)
workspaces.register_workspace_directory(DirectoryId=directory)
created = workspaces.create_workspaces(Workspaces=[{
    "DirectoryId": directory, "UserName": "builder", "BundleId": "wsb-12345678"}])
workspace = created["PendingRequests"][0]["WorkspaceId"]
for index in range(count):
    workspaces.create_workspace_image(Name=f"moto-image-{index}", Description="seeded", WorkspaceId=workspace)

iam = boto3.client("iam", **admin)
iam.create_user(UserName="exporter")
iam.put_user_policy(UserName="exporter", PolicyName="describe-images", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "workspaces:DescribeWorkspaceImages", "Resource": "*"}]}))
key = iam.create_access_key(UserName="exporter")["AccessKey"]
iam.create_user(UserName="nobody")
nobody = iam.create_access_key(UserName="nobody")["AccessKey"]
print(json.dumps({
    "admin": {"AccessKeyId": admin_key["AccessKeyId"], "SecretAccessKey": admin_key["SecretAccessKey"]},
    "exporter": {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]},
    "nobody": {"AccessKeyId": nobody["AccessKeyId"], "SecretAccessKey": nobody["SecretAccessKey"]},
}))
