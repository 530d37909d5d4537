"""Drives a Gatehouse server with proxmoxer, Debian's python3-proxmoxer, as a PBS
client script would, and prints one JSON object of what it saw.

Environment: GATEHOUSE_URL (https://127.0.0.1:PORT), GATEHOUSE_CA (the server's
certificate, which requests verifies against), GATEHOUSE_ADMIN_PASSWORD.
Called by proxmoxer.test.ts; not meant to be run by hand.
"""
import json
import os
import sys
from urllib.parse import urlparse

from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException

url = urlparse(os.environ["GATEHOUSE_URL"])
ca = os.environ["GATEHOUSE_CA"]
seen = {}

# Password login: proxmoxer posts a form to /access/ticket and keeps the ticket cookie.
pbs = ProxmoxAPI(url.hostname, port=url.port, user="admin@pbs", password=os.environ["GATEHOUSE_ADMIN_PASSWORD"],
                 service="PBS", verify_ssl=ca)
seen["roles"] = {role["roleid"]: role["privs"] for role in pbs.access.roles.get()}
seen["access_index"] = sorted(entry["subdir"] for entry in pbs.access.get())

pbs.access.users.post(userid="proxmoxer@pbs", password="proxmoxer-password", comment="made by proxmoxer")
token = pbs.access.users("proxmoxer@pbs").token("job").post(comment="from proxmoxer")
seen["tokenid"] = token["tokenid"]
pbs.access.acl.put(path="/datastore/store1", role="DatastoreReader", **{"auth-id": "proxmoxer@pbs"})
pbs.access.acl.put(path="/datastore/store1", role="DatastoreReader", **{"auth-id": token["tokenid"]})
seen["acl"] = [entry for entry in pbs.access.acl.get(path="/datastore/store1") if entry["ugid"].startswith("proxmoxer@pbs")]

# Errors: status, reason and the PBS text body reach the script.
try:
    pbs.access.acl.put(path="/vms/100", role="Audit", **{"auth-id": "proxmoxer@pbs"})
except ResourceException as error:
    seen["bad_path"] = {"status": error.status_code, "text": str(error)}
try:
    pbs.get("no/such/path")
except ResourceException as error:
    seen["unknown_path"] = {"status": error.status_code, "text": str(error)}

# API token authentication: PBSAPIToken=user@realm!name:secret.
as_token = ProxmoxAPI(url.hostname, port=url.port, user="proxmoxer@pbs", token_name="job", token_value=token["value"],
                      service="PBS", verify_ssl=ca)
seen["token_version"] = as_token.version.get()
seen["token_permissions"] = as_token.access.permissions.get(path="/datastore/store1")
seen["token_acl"] = as_token.access.acl.get()

json.dump(seen, sys.stdout)
