from pathlib import Path

import pytest

from overcast import limits
from overcast.errors import SpecError
from overcast.spec import (
    FunctionSpec,
    SpecProblem,
    Stack,
    StackSpec,
    load_stack,
    load_stack_text,
)
from overcast.spec.routes import parse_route_key


def test_valid_file_loads_with_defaults(stack_dir):
    file = stack_dir.write(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
        """
    )
    stack = load_stack(stack_dir.root)
    assert isinstance(stack, Stack)
    assert stack.file == file.resolve()
    assert stack.root == stack_dir.root.resolve() and stack.root.is_absolute()
    fn = stack.spec.functions["hello"]
    assert (fn.memory, fn.timeout, fn.environment, fn.concurrency, fn.routes) == (128, 3, {}, None, [])
    assert stack.spec.description is None
    assert (fn.module, fn.attribute) == ("app", "handler")


def test_full_file_keeps_every_setting(stack_dir):
    stack_dir.write(
        """
        stack: shop-api_2
        description: orders and items
        functions:
          items:
            handler: src/items/api.get_item
            memory: 10240
            timeout: 900
            concurrency: 0
            environment:
              GREETING: hi
              PORT: 8080
              RATE: 1.50
              HEX: 0x1F
            routes:
              - GET /items/{id}
              - any /files/{proxy+}
          fallback:
            handler: pkg.mod.handler
            routes: [$default]
        """,
        modules=("src/items/api.py", "pkg/mod/__init__.py"),
    )
    spec = load_stack(stack_dir.root / "overcast.yml").spec
    items = spec.functions["items"]
    assert (items.memory, items.timeout, items.concurrency) == (10240, 900, 0)
    # numbers become the text they were written as, not Python's rendering of them
    assert items.environment == {"GREETING": "hi", "PORT": "8080", "RATE": "1.50", "HEX": "0x1F"}
    assert items.routes == ["GET /items/{id}", "ANY /files/{proxy+}"]  # canonical: method upper-cased
    assert (items.module, items.attribute) == ("src/items/api", "get_item")
    fallback = spec.functions["fallback"]
    assert (fallback.module, fallback.attribute) == ("pkg.mod", "handler")
    assert [str(p) for p in fallback.module_files()] == ["pkg/mod.py", "pkg/mod/__init__.py"]
    assert [(rk.key, fn) for rk, fn in spec.route_keys()] == [
        ("GET /items/{id}", "items"), ("ANY /files/{proxy+}", "items"), ("$default", "fallback"),
    ]
    assert spec.route_keys()[0][0] == parse_route_key("GET /items/{id}")


def test_yaml_extension_is_found_and_yml_wins(stack_dir):
    stack_dir.write("stack: a\nfunctions: {f: {handler: app.handler}}\n", name="overcast.yaml")
    assert load_stack(stack_dir.root).spec.stack == "a"
    stack_dir.write("stack: b\nfunctions: {f: {handler: app.handler}}\n", name="overcast.yml")
    assert load_stack(stack_dir.root).spec.stack == "b"


def test_missing_stack_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError) as info:
        load_stack(tmp_path)
    (problem,) = info.value.problems
    assert problem.file == str(tmp_path) and problem.line == 0
    assert "no overcast.yml or overcast.yaml" in problem.message
    assert str(problem) == f"{tmp_path}: (top level): no overcast.yml or overcast.yaml in this directory"
    with pytest.raises(SpecError, match="no such file or directory"):
        load_stack(tmp_path / "nope.yml")


def test_problem_text_format():
    problem = SpecProblem("overcast.yml", 7, 5, "functions.hello.timeout", "too long")
    assert str(problem) == "overcast.yml:7:5: functions.hello.timeout: too long"


def test_load_stack_text_without_root_skips_module_files():
    stack = load_stack_text("stack: s\nfunctions:\n  f:\n    handler: nowhere.handler\n")
    assert stack.spec.functions["f"].handler == "nowhere.handler"
    with pytest.raises(SpecError, match="handler module 'nowhere' not found"):
        load_stack_text("stack: s\nfunctions:\n  f:\n    handler: nowhere.handler\n", root=Path("/nonexistent"))


def test_models_enforce_rules_without_a_file():
    fn = FunctionSpec(handler="a.b.func", timeout=900, concurrency=1000)
    assert (fn.module, fn.attribute) == ("a.b", "func")
    with pytest.raises(ValueError, match=r"timeout must be between 1 and 900 seconds"):
        FunctionSpec(handler="app.handler", timeout=0)
    with pytest.raises(ValueError, match=r"concurrency must be between 0 and 1000"):
        FunctionSpec(handler="app.handler", concurrency=1001)
    with pytest.raises(ValueError, match="already used by function 'a'"):
        StackSpec(stack="s", functions={
            "a": {"handler": "app.handler", "routes": ["GET /x"]},
            "b": {"handler": "app.handler", "routes": ["get /x"]},
        })


def test_concurrency_maximum_follows_the_limits_registry(monkeypatch):
    # monkeypatch restores the registry object and the exported overrides afterwards
    monkeypatch.setattr(limits, "LIMITS", limits.LIMITS)
    monkeypatch.setenv(limits.OVERRIDES_ENV, "{}")
    with pytest.raises(ValueError, match=r"between 0 and 1000 executions"):
        FunctionSpec(handler="app.handler", concurrency=5000)
    limits.configure({"lambda.account_concurrency": 5000})
    assert FunctionSpec(handler="app.handler", concurrency=5000).concurrency == 5000


def test_spec_round_trips_through_json(stack_dir):
    # deploy state stores specs as JSON; strict models must accept their own dump
    stack_dir.write(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment: {PORT: 8080}
            concurrency: 5
            routes: [$default]
        """
    )
    spec = load_stack(stack_dir.root).spec
    assert StackSpec.model_validate(spec.model_dump(mode="json")) == spec
    assert StackSpec.model_validate_json(spec.model_dump_json()) == spec
