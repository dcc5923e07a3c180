"""Schemathesis hooks: sign CRM webhook bodies as the CRM does.

Schemathesis sends JSON bodies through requests, which serializes them with
json.dumps(body, allow_nan=False); the signature covers those exact bytes.
"""
import hashlib
import hmac
import json
import os
import time

import schemathesis

SECRET = os.environ.get("CRM_WEBHOOK_SECRET", "local-dev-secret").encode()
JSON_TYPES = (dict, list, str, int, float, bool)


@schemathesis.hook
def before_call(context, case, kwargs):
    if not case.operation.path.startswith("/v1/crm/deals/"):
        return
    body = case.body
    if isinstance(body, bytes):
        raw = body
    elif body is None:
        raw = b"null"
    elif isinstance(body, JSON_TYPES):
        raw = json.dumps(body, allow_nan=False).encode()
    else:
        raw = b""
    t = str(int(time.time()))
    signature = hmac.new(SECRET, t.encode() + b"." + raw, hashlib.sha256).hexdigest()
    case.headers = {**(case.headers or {}), "X-Signature": f"t={t},v1={signature}"}
