"""The differential test of inject's placeholders against Prefect's own
resolvers (testdata/prefect3/inject_placeholders.txtar), run through
blocks.py:

    blocks.py placeholders CASES.json

CASES.json is {"env": {...}, "cases": [...]}: the environment every case
runs in (a case may add its own "env"), and the cases.

First it creates, with Prefect's own Python, the blocks and variables the
cases read: Secret blocks holding a string and JSON, slack-webhook, webhook
with headers, twilio-sms, an aws-credentials block created over the API
(the server knows the type from Prefect's collection registry; prefect-aws
is not installed), and variables of every JSON type.

Then, for each case, it resolves the template as `prefect deploy` does
(prefect/cli/deploy/_core.py): resolve_block_document_references, then
resolve_variables, then apply_values with os.environ and remove_notset
False, with the case's environment set; and it runs
`prefect-secrets inject` on the same bytes with the same environment.

A case is one of:
  - the same: Prefect gives text (a template that is one placeholder gives
    the value itself, and a file holds its str()), and inject writes exactly
    those bytes, exit 0;
  - "fails": Prefect raises that exception, and inject exits with "tool";
  - "differs": a deliberate difference, the text of a row's first cell in
    docs/blocks.md's table of differences: Prefect gives "prefect" (text,
    {"object": "dict"} or {"error": "Name"}), and inject exits with "tool"
    (an exit code) or writes "tool" (text).
It prints one line per case; a case that does not come out as its data says
prints a FAIL line, and the exit status is 1.
"""

import asyncio
import json
import os
import subprocess
import sys

from prefect.blocks.notifications import SlackWebhook, TwilioSMS
from prefect.blocks.system import Secret
from prefect.blocks.webhook import Webhook
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import BlockDocumentCreate
from prefect.utilities.templating import (
    apply_values,
    resolve_block_document_references,
    resolve_variables,
)
from prefect.variables import Variable

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "docs", "blocks.md")

VARIABLES = {
    "td_region": "eu-west-1",
    "td_text": "Grüße, \"quoted\" and {braces}",
    "td_int": 42,
    "td_float": 1.5,
    "td_round": 100.0,
    "td_huge": 1e16,
    "td_tiny": 0.00001,
    "td_negzero": -0.0,
    "td_true": True,
    "td_false": False,
    "td_null": None,
    "td_limits": {"cpu": 2, "mem": 1.5},
    "td_list": ["a", 1],
    "td_tricky": "{{ $TD_STAGE }}",
}


def create_blocks():
    Secret(value="td-pw ✓ Grüße").save("td-pw")
    Secret(value={"host": "db", "port": 5432, "ratio": 1.5, "on": True, "none": None, "big": 100000000000000000000,
                  "users": ["app", "ro"], "ключ": "значение"}).save("td-config")
    Secret(value="{{ prefect.variables.td_region }}").save("td-tricky")
    SlackWebhook(url="https://hooks.slack.com/services/T0/B0/td-slack").save("td-alerts")
    Webhook(method="PUT", url="https://hooks.example/td-hook",
            headers={"X-Key": "td-header", "Authorization": "Bearer td-token"}).save("td-hook")
    TwilioSMS(account_sid="AC0123456789abcdef0123456789abcdef", auth_token="tdtoken0123456789abcdef012345678", from_phone_number="+15005550006",
              to_phone_numbers=["+15005550001", "+15005550002"]).save("td-sms")
    with get_client(sync_client=True) as client:
        block_type = client.read_block_type_by_slug("aws-credentials")
        schema = client.get_most_recent_block_schema_for_block_type(block_type.id)
        client.create_block_document(BlockDocumentCreate(
            name="td-aws", block_type_id=block_type.id, block_schema_id=schema.id,
            data={"aws_access_key_id": "AKIATD", "aws_secret_access_key": "td/aws+secret",
                  "region_name": "eu-west-1"}))
    for name, value in VARIABLES.items():
        Variable.set(name, value)


async def prefect_outcome(template):
    """What `prefect deploy` makes of template: ("text", str), ("object",
    type name) or ("error", exception type name)."""
    try:
        value = await resolve_block_document_references(template)
        value = await resolve_variables(value)
        value = apply_values(value, os.environ, remove_notset=False)
    except Exception as e:  # noqa: BLE001 - which one is the point
        return ("error", type(e).__name__)
    if isinstance(value, (dict, list)):
        return ("object", type(value).__name__)
    return ("text", value if isinstance(value, str) else str(value))


def tool_outcome(template, env):
    r = subprocess.run(["prefect-secrets", "--timeout", "2m", "inject"], input=template.encode("utf-8"),
                       env=env, capture_output=True, check=False)
    return r.returncode, r.stdout, r.stderr.decode("utf-8", "replace")


def documented_differences():
    """The first cells of the rows of docs/blocks.md's table of differences."""
    with open(DOCS, encoding="utf-8") as f:
        rows = [line for line in f if line.startswith("| ")]
    return {row.split(" | ")[0][2:].strip() for row in rows}


def wanted_prefect(case):
    p = case["prefect"]
    if isinstance(p, str):
        return ("text", p)
    (kind, what), = p.items()
    return (kind, what)


async def run_case(case, env, documented):
    """The report line of one case, and whether it came out as its data says."""
    name, template = case["name"], case["template"]
    saved = dict(os.environ)
    os.environ.update(env)
    os.environ.update(case.get("env", {}))
    try:
        prefect = await prefect_outcome(template)
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    code, out, err = tool_outcome(template, env)
    tool = "exit %d, %r, %s" % (code, out.decode("utf-8", "replace"), err.strip())
    if "fails" in case:
        ok = prefect == ("error", case["fails"]) and code == case["tool"] and out == b""
        line = "both fail (%s; exit %d): %s" % (case["fails"], case["tool"], name)
    elif "differs" in case:
        want = case["tool"]
        tool_ok = (code == want and out == b"") if isinstance(want, int) else (code == 0 and out == want.encode("utf-8"))
        ok = case["differs"] in documented and prefect == wanted_prefect(case) and tool_ok
        line = "differs as documented (%s): %s" % (case["differs"], name)
    else:
        ok = prefect[0] == "text" and code == 0 and out == prefect[1].encode("utf-8")
        line = "same: " + name
    if not ok:
        line = "FAIL %s: Prefect gives %r; inject: %s" % (name, prefect, tool)
        if "differs" in case and case["differs"] not in documented:
            line += "; and docs/blocks.md has no row %r" % case["differs"]
    return line, ok


async def run_cases(cases, env):
    documented = documented_differences()
    failed = False
    for case in cases:
        line, ok = await run_case(case, env, documented)
        failed = failed or not ok
        print(line, flush=True)
    return failed


def main(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    create_blocks()
    if asyncio.run(run_cases(data["cases"], data["env"])):
        sys.exit(1)
