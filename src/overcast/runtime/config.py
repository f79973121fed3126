"""From a deployed stack's state to what a pool and its environments need (pure)."""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field

REGION = os.environ.get("OVERCAST_REGION", "us-east-1")
ACCOUNT_ID = os.environ.get("OVERCAST_ACCOUNT_ID", "000000000000")
PYTHON_RUNTIME = f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class FunctionConfig:
    stage: str
    stack: str
    name: str
    handler: str
    root: str
    memory: int
    timeout: int
    environment: dict = field(default_factory=dict, hash=False)
    concurrency: int | None = None
    version: str = "$LATEST"
    deps: str | None = None  # installed requirements.txt of the stack, if it has one
    platform_env: tuple = ()  # (name, value) pairs the platform provides: endpoints, the stack's access key

    @property
    def lambda_name(self) -> str:
        """The function's name as Lambda and its context know it: ``stack-stage-function``
        (the Serverless Framework's ``service-stage-function``)."""
        return f"{self.stack}-{self.stage}-{self.name}"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.lambda_name}"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.lambda_name}"

    def worker_config(self, log_stream: str, max_response: int) -> dict:
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": self.root,
            "LAMBDA_RUNTIME_DIR": sys.prefix,
            "_HANDLER": self.handler,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EXECUTION_ENV": PYTHON_RUNTIME,
            "AWS_LAMBDA_FUNCTION_NAME": self.lambda_name,
            "AWS_LAMBDA_FUNCTION_VERSION": self.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        }
        env.update(self.platform_env)
        env.update(self.environment)
        return {
            "env": env, "root": self.root, "handler": self.handler, "memory": self.memory,
            "function_name": self.lambda_name, "version": self.version, "arn": self.arn,
            "log_group": self.log_group, "log_stream": log_stream, "max_response": max_response,
            "deps": self.deps,
        }


def new_log_stream(version: str, today: str) -> str:
    """``2024/01/31/[$LATEST]0123abcd...`` as Lambda names its log streams."""
    return f"{today}/[{version}]{uuid.uuid4().hex}"


def function_config(stage: str, stack: str, name: str, fn: dict, root: str, deps: str | None,
                    version: str = "$LATEST", platform_env: tuple = ()) -> FunctionConfig:
    """One function (its stack-file entry ``fn``) of one version, with its code at ``root`` on this node."""
    return FunctionConfig(
        stage=stage, stack=stack, name=name, handler=fn["handler"], root=root, memory=fn["memory"],
        timeout=fn["timeout"], environment=dict(fn.get("environment") or {}), concurrency=fn.get("concurrency"),
        version=version, deps=deps, platform_env=platform_env,
    )


def platform_env(state: dict, endpoint: str | None) -> tuple:
    """What the platform puts in every function's environment so AWS SDKs reach overcast unmodified:
    the node's endpoint for the AWS-compatible APIs and the stack's own access key."""
    out = []
    if endpoint:
        out.append(("AWS_ENDPOINT_URL_DYNAMODB", endpoint))
        out += [("AWS_ENDPOINT_URL_KINESIS", endpoint), ("AWS_ENDPOINT_URL_SQS", endpoint)]
        # the IoT data Publish API: botocore reads the service id "IoT Data Plane" (..._IOT_DATA_PLANE)
        out += [("AWS_ENDPOINT_URL_IOT_DATA", endpoint), ("AWS_ENDPOINT_URL_IOT_DATA_PLANE", endpoint)]
        out.append(("AWS_ENDPOINT_URL_LAMBDA", endpoint))  # Lambda's Invoke API: functions calling functions
    creds = state.get("credentials") or {}
    if creds.get("accessKeyId"):
        out += [("AWS_ACCESS_KEY_ID", creds["accessKeyId"]), ("AWS_SECRET_ACCESS_KEY", creds["secretAccessKey"])]
    return tuple(out)


def functions_of(state: dict, root: str, deps: str | None = None, endpoint: str | None = None) -> list[FunctionConfig]:
    """The functions of a stack state (as written to the desired-state bucket), at their newest version.

    ``root`` is where this node has the stack's code (the live directory in dev).
    """
    spec = state["spec"]
    versions = state.get("versions") or {}
    env = platform_env(state, endpoint)
    return [function_config(state["stage"], spec["stack"], name, fn, root, deps, str(versions.get(name, "$LATEST")),
                            env) for name, fn in spec["functions"].items()]
