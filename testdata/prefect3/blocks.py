"""Prefect 3's own Secret block, as a flow uses it: the other side of the
real-Prefect scenarios (testdata/prefect3/*.txtar). PREFECT_API_URL names
the server.

    blocks.py save NAME FILE       Secret(value=<FILE's text>).save(NAME); more
                                   save and save-json may follow, in one process
    blocks.py save-json NAME FILE  Secret(value=json.loads(<FILE's text>)).save(NAME)
    blocks.py get NAME             Secret.load(NAME).get(): a str is written as its exact
                                   UTF-8 bytes; anything else fails, naming its type
    blocks.py get-json NAME        Secret.load(NAME).get() as JSON (keys sorted, compact)
    blocks.py stored-json NAME     the stored value before get() decodes it, as JSON
    blocks.py missing NAME         succeeds if Secret.load(NAME) fails as for a missing block
    blocks.py placeholders CASES   the differential test of inject's placeholders against
                                   Prefect's own resolvers: see placeholders.py

Values travel through files and stdout as bytes, never through argv, so
newlines, non-ASCII text and NUL survive exactly.
"""

import json
import sys

from prefect.blocks.system import Secret


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def write(data):
    sys.stdout.buffer.write(data.encode("utf-8"))
    sys.stdout.buffer.flush()


def as_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main(verb, name, *rest):
    if verb in ("save", "save-json"):
        path, rest = rest[0], rest[1:]
        text = read_text(path)
        Secret(value=text if verb == "save" else json.loads(text)).save(name)
        if rest:
            main(*rest)
    elif verb == "get":
        value = Secret.load(name).get()
        if not isinstance(value, str):
            sys.exit("Secret.load(%r).get() is a %s, not a str" % (name, type(value).__name__))
        write(value)
    elif verb == "get-json":
        write(as_json(Secret.load(name).get()))
    elif verb == "stored-json":
        write(as_json(Secret.load(name).value.get_secret_value()))
    elif verb == "missing":
        try:
            Secret.load(name)
        except ValueError as e:
            if "Unable to find block document named" not in str(e):
                raise
            return
        sys.exit("Secret.load(%r) found a block" % name)
    elif verb == "placeholders":
        sys.dont_write_bytecode = True  # no __pycache__ in testdata
        import placeholders  # beside this file

        placeholders.main(name)
    else:
        sys.exit("unknown verb %r" % verb)


if __name__ == "__main__":
    main(*sys.argv[1:])
