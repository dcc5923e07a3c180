"""Schemathesis hooks: sign CRM webhook bodies as the CRM does, and give
schema-valid requests the few rules a JSON schema cannot state.

Schemathesis sends JSON bodies through requests, which serializes them with
json.dumps(body, allow_nan=False); the signature covers those exact bytes.

Rules the document states in words but JSON Schema cannot (each checked by
the handlers with a 422): dates relative to today or to another field, keys
unique within a list, the one activation milestone last, a cursor this
service issued. Only generated *valid* requests are adjusted to them, so
negative data still reaches the handlers as generated.
"""
import datetime
import hashlib
import hmac
import json
import os
import time

import schemathesis

SECRET = os.environ.get("CRM_WEBHOOK_SECRET", "local-dev-secret").encode()
JSON_TYPES = (dict, list, str, int, float, bool)
TODAY = datetime.date.today()
# A deal received before the run for deal changes and cancellations to name.
CRM_DEAL_ID = os.environ.get("ST_CRM_DEAL_ID", "D-2026-0042")
CRM_DEAL_WON_AT = os.environ.get("ST_CRM_DEAL_WON_AT", "2026-11-20T10:00:00Z")


def _positive(case, location):
    """Whether this part of the request was generated valid (a negative case
    may be invalid elsewhere only); stateful cases carry no metadata and are
    built of valid data."""
    meta = case.meta
    if meta is None:
        return True
    for key, info in meta.components.items():
        if getattr(key, "value", key) == location:
            return info.mode.is_positive
    return meta.generation.mode.is_positive


def _missing_header_probe(case):
    data = case.meta.phase.data if case.meta is not None else None
    scenario = getattr(data, "scenario", None)
    return getattr(scenario, "name", "") == "MISSING_PARAMETER" and (
        str(getattr(data, "parameter", "")).lower() == "x-signature"
    )


def _date(value):
    try:
        return datetime.date.fromisoformat(value[:10])
    except (TypeError, ValueError):
        return None


def _utc_date(value):
    try:
        at = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return at.astimezone(datetime.timezone.utc).date() if at.tzinfo else at.date()


def _deal(body):
    """won_at not in the future, target_go_live not before its day (in UTC),
    line ids unique."""
    won = _utc_date(body.get("won_at"))
    if won is not None and won >= TODAY:
        body["won_at"] = f"{TODAY.isoformat()}T00:00:00Z"
        won = TODAY
    target = _date(body.get("target_go_live"))
    if won is not None and target is not None and target < won:
        body["target_go_live"] = won.isoformat()
    for i, line in enumerate(body.get("services") or []):
        if isinstance(line, dict) and "line_id" in line:
            line["line_id"] = f"L{i}"


def _change(body):
    """A revision of the deal seeded for the purpose (its won_at fixed), with
    new lines only, as the service type of a line cannot change."""
    body["deal_id"] = CRM_DEAL_ID
    body["won_at"] = CRM_DEAL_WON_AT
    _deal(body)
    for i, line in enumerate(body.get("services") or []):
        if isinstance(line, dict) and "line_id" in line:
            line["line_id"] = f"N{i}"


def _cancellation(body):
    """The deal seeded for the purpose, cancelled_at not in the future."""
    body["deal_id"] = CRM_DEAL_ID
    at = _date(body.get("cancelled_at"))
    if at is not None and at >= TODAY:
        body["cancelled_at"] = f"{TODAY.isoformat()}T00:00:00Z"


def _hold(body):
    """until between today and 366 days from now."""
    if body.get("until") is not None:
        body["until"] = TODAY.isoformat()


def _template(body, service_type):
    """The service type of the URL (or none), milestone keys unique, one
    activation milestone and it last, the go_live mail on it."""
    if body.get("service_type") is not None:
        body["service_type"] = service_type
    milestones = body.get("milestones") or []
    for i, m in enumerate(milestones):
        m["key"] = f"m{i}"
        m["activation"] = i == len(milestones) - 1
        if m.get("customer_mail") == "go_live" and not m["activation"]:
            m["customer_mail"] = None


def _activation(body):
    """A go-live today describing each service line of the seeded project once."""
    body["go_live_date"] = TODAY.isoformat()
    summaries = body.get("technical_summary") or [{}]
    body["technical_summary"] = [{**summaries[0], "line_id": "L1"}]


def _task_patch(body):
    """A change at all; blocked_reason and blocked_category only for a blocked task."""
    if body.get("status") != "blocked":
        body.pop("blocked_reason", None)
        body.pop("blocked_category", None)
    if not any(body.get(k) is not None for k in body):
        body["status"] = "in_progress"


def _due_date(body):
    if "due_date" in body and body["due_date"] is not None:
        body["due_date"] = (TODAY + datetime.timedelta(days=7)).isoformat()


BODIES = {
    ("POST", "/v1/crm/deals/won"): _deal,
    ("POST", "/v1/crm/deals/changed"): _change,
    ("POST", "/v1/crm/deals/cancelled"): _cancellation,
    ("POST", "/v1/projects/{project_id}/hold"): _hold,
    ("PUT", "/v1/settings/deployment-templates/{service_type}"): lambda b: _template(
        b, os.environ.get("ST_SERVICE_TYPE", "fibre_ftto")
    ),
    ("POST", "/v1/projects/{project_id}/activate"): _activation,
    ("PATCH", "/v1/projects/{project_id}/tasks/{task_id}"): lambda b: (_task_patch(b), _due_date(b)),
    ("POST", "/v1/projects/{project_id}/milestones/{milestone_key}/tasks"): _due_date,
}


def _integral(value):
    """Integers as JSON integers: `196.0` is an integer to JSON Schema, a
    float to serde, and no client sends a count with a decimal point."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _adjust(case):
    op = (case.operation.method.upper(), case.operation.path)
    if _positive(case, "body"):
        case.body = _integral(case.body)
        if isinstance(case.body, dict) and op in BODIES:
            BODIES[op](case.body)
    if isinstance(case.query, dict) and _positive(case, "query"):
        # A cursor is opaque: only one a previous page returned is valid.
        case.query.pop("cursor", None)
        if op == ("GET", "/v1/tasks") and "status" not in case.query:
            # Every assignee's tasks only of one status.
            if str(case.query.get("assignee", "")).strip() == "any":
                case.query["status"] = "todo"
        if op == ("GET", "/v1/analytics/deployments") and "from" in case.query:
            # `to` is not before `from`, at most 36 months later.
            case.query["to"] = case.query["from"]


@schemathesis.hook
def before_call(context, case, kwargs):
    _adjust(case)
    if not case.operation.path.startswith("/v1/crm/deals/") or _missing_header_probe(case):
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
