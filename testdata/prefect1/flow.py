"""A Prefect 1 flow that reads secrets as flows do, with
prefect.client.Secret(NAME).get() inside a task, run by Prefect 1 itself
(flow.run()). For each NAME it writes into OUTDIR:

    NAME.env    the exact bytes of PREFECT__CONTEXT__SECRETS__NAME, what the
                flow was handed (absent if it was not set)
    NAME.value  what Secret(NAME).get() returned: a str as its exact UTF-8
                bytes, anything else as JSON (keys sorted, compact)
    NAME.type   that value's Python type

usage: flow.py OUTDIR NAME...
Values go to files, not stdout: prefect-secrets exec masks them there.
"""

import json
import os
import sys

from prefect import Flow, task
from prefect.client import Secret


@task
def read(name):
    return Secret(name).get()


def main(outdir, *names):
    with Flow("read-secrets") as flow:
        tasks = {name: read(name) for name in names}
    state = flow.run()
    if not state.is_successful():
        for name, t in tasks.items():
            if not state.result[t].is_successful():
                print("Secret(%r).get(): %s" % (name, state.result[t].message), file=sys.stderr)
        sys.exit("the flow run failed")
    os.makedirs(outdir, exist_ok=True)
    for name, t in tasks.items():
        value = state.result[t].result
        out = os.path.join(outdir, name)
        handed = os.environb.get(b"PREFECT__CONTEXT__SECRETS__" + name.encode())
        if handed is not None:
            with open(out + ".env", "wb") as f:
                f.write(handed)
        with open(out + ".type", "w") as f:
            f.write(type(value).__name__)
        if hasattr(value, "to_dict"):  # Prefect's Config, a dict of its own
            value = value.to_dict()
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        with open(out + ".value", "wb") as f:
            f.write(text.encode("utf-8"))


if __name__ == "__main__":
    main(*sys.argv[1:])
