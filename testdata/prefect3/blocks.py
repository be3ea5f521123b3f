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

Typed blocks (list --blocks, explain ADDRESS):

    blocks.py save-slack NAME FILE            SlackWebhook(url=<FILE's text>).save(NAME)
    blocks.py save-webhook NAME FILE HEADERS  Webhook(url=<FILE's text>, headers=<HEADERS' JSON>).save(NAME)
    blocks.py save-twilio NAME SID FILE       TwilioSMS(account_sid=SID, auth_token=<FILE's text>, ...).save(NAME)
    blocks.py save-api SLUG NAME FILE         a block document of type SLUG over the API, with Prefect's
                                              client (the server knows integrations' schemas, e.g.
                                              aws-credentials, without them installed): its data FILE's
                                              JSON, where {"$ref-block": "SLUG/NAME"} is a reference to
                                              that block (a nested block, as Block.save makes it)
    blocks.py secret-fields SLUG...           each type's newest schema's secret_fields, a line each:
                                              "SLUG: FIELD FIELD..."
    blocks.py resolve DIR ADDRESS...          resolve_block_document_references of "{{ ADDRESS }}" for
                                              each, into DIR/1, DIR/2...: a str as its UTF-8 bytes,
                                              anything else as JSON (keys sorted, compact)

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
    if verb in DISCOVERY_VERBS:
        return DISCOVERY_VERBS[verb](name, *rest)
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


def save_slack(name, path):
    from prefect.blocks.notifications import SlackWebhook

    SlackWebhook(url=read_text(path)).save(name)


def save_webhook(name, path, headers):
    from prefect.blocks.webhook import Webhook

    Webhook(url=read_text(path), headers=json.loads(read_text(headers))).save(name)


def save_twilio(name, sid, path):
    from prefect.blocks.notifications import TwilioSMS

    TwilioSMS(account_sid=sid, auth_token=read_text(path), from_phone_number="+15005550006",
              to_phone_numbers=["+15005550006"]).save(name)


def save_api(slug, name, path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import BlockDocumentCreate

    with get_client(sync_client=True) as client:
        def refs(v):
            if isinstance(v, dict) and set(v) == {"$ref-block"}:
                ref_slug, ref_name = v["$ref-block"].split("/")
                doc = client.read_block_document_by_name(ref_name, ref_slug, include_secrets=False)
                return {"$ref": {"block_document_id": str(doc.id)}}
            if isinstance(v, dict):
                return {k: refs(x) for k, x in v.items()}
            return v

        block_type = client.read_block_type_by_slug(slug)
        schema = client.get_most_recent_block_schema_for_block_type(block_type.id)
        client.create_block_document(BlockDocumentCreate(
            name=name, data=refs(json.loads(read_text(path))),
            block_type_id=block_type.id, block_schema_id=schema.id))


def secret_fields(*slugs):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for slug in slugs:
            block_type = client.read_block_type_by_slug(slug)
            schema = client.get_most_recent_block_schema_for_block_type(block_type.id)
            print("%s: %s" % (slug, " ".join(schema.fields.get("secret_fields", []))))


def resolve(directory, *addresses):
    import asyncio
    import os

    from prefect.utilities.templating import resolve_block_document_references

    template = {str(i): "{{ %s }}" % a for i, a in enumerate(addresses, 1)}
    resolved = asyncio.run(resolve_block_document_references(template))
    for key, value in resolved.items():
        with open(os.path.join(directory, key), "wb") as f:
            f.write((value if isinstance(value, str) else as_json(value)).encode("utf-8"))


DISCOVERY_VERBS = {
    "save-slack": save_slack,
    "save-webhook": save_webhook,
    "save-twilio": save_twilio,
    "save-api": save_api,
    "secret-fields": secret_fields,
    "resolve": resolve,
}


if __name__ == "__main__":
    main(*sys.argv[1:])
