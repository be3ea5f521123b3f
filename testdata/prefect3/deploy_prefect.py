"""Prefect 3's own side of the deployment scenarios
(testdata/prefect3/deploy_*.txtar): it makes blocks, variables, work pools
and deployments with Prefect's client, runs `prefect deploy`, and says what
Prefect's own code gives for a deployment's environment, to compare with
the environment prefect-secrets exec --deployment gives its command.
PREFECT_API_URL names the server. A script runs it through its launcher
(dp.py), which finds this file beside $BLOCKS_PY.

    deploy_prefect.py setup SPEC.json      blocks, variables, pools and deployments, as SPEC says
    deploy_prefect.py deploy NAME          prefect deploy -n NAME --no-prompt, in the current directory
    deploy_prefect.py worker-env FLOW/NAME OUT.json
                                           a process worker's env for the deployment:
                                           ProcessJobConfiguration.from_template_and_values(the
                                           pool's base job template, the deployment's job
                                           variables), its None values left out
    deploy_prefect.py stored-env FLOW/NAME OUT.json
                                           the deployment's stored job_variables.env, each value
                                           str()'d as a worker does, None left out
    deploy_prefect.py baseline OUT.json    this process's environment
    deploy_prefect.py envdiff BASE.json OUT.json
                                           the variables this process's environment adds to or
                                           changes from BASE (run as the tool's command)

JSON files are written with sorted keys, so scripts compare them with cmp.
"""

import asyncio
import json
import os
import subprocess
import sys


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, sort_keys=True, indent=1, ensure_ascii=False)
        f.write("\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


async def setup(spec):
    from prefect.blocks.system import Secret
    from prefect.blocks.webhook import Webhook
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.variables import Variable
    from prefect.workers.process import ProcessWorker

    for name, value in spec.get("secrets", {}).items():
        await Secret(value=value).save(name, overwrite=True)
    for name, fields in spec.get("webhooks", {}).items():
        await Webhook(**fields).save(name, overwrite=True)
    for name, value in spec.get("variables", {}).items():
        await Variable.aset(name, value, overwrite=True)
    async with get_client() as client:
        for name, template in spec.get("pools", {}).items():
            if template == "process":
                template = ProcessWorker.get_default_base_job_template()
            await client.create_work_pool(
                WorkPoolCreate(name=name, type="process", base_job_template=template),
                overwrite=True,
            )
        for full, d in spec.get("deployments", {}).items():
            flow, name = full.split("/")
            flow_id = await client.create_flow_from_name(flow)
            await client.create_deployment(
                flow_id=flow_id,
                name=name,
                work_pool_name=d.get("pool"),
                job_variables=d.get("job_variables"),
                entrypoint="flows.py:" + flow.replace("-", "_"),
            )


async def worker_env(full):
    from prefect.client.orchestration import get_client
    from prefect.workers.process import ProcessJobConfiguration

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(full)
        pool = await client.read_work_pool(deployment.work_pool_name)
        config = await ProcessJobConfiguration.from_template_and_values(
            base_job_template=pool.base_job_template,
            values=deployment.job_variables or {},
            client=client,
        )
    return {k: v for k, v in config.env.items() if v is not None}


async def stored_env(full):
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        deployment = await client.read_deployment_by_name(full)
    env = (deployment.job_variables or {}).get("env") or {}
    return {k: str(v) for k, v in env.items() if v is not None}


def main(verb, *args):
    if verb == "setup":
        asyncio.run(setup(read_json(args[0])))
    elif verb == "deploy":
        prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
        subprocess.run([prefect, "--no-prompt", "deploy", "-n", args[0]], check=True, stdout=sys.stderr)
    elif verb == "worker-env":
        write_json(args[1], asyncio.run(worker_env(args[0])))
    elif verb == "stored-env":
        write_json(args[1], asyncio.run(stored_env(args[0])))
    elif verb == "baseline":
        write_json(args[0], dict(os.environ))
    elif verb == "envdiff":
        base = read_json(args[0])
        write_json(args[1], {k: v for k, v in os.environ.items() if base.get(k) != v})
    else:
        sys.exit("unknown verb %r" % verb)


if __name__ == "__main__":
    main(*sys.argv[1:])
