import json
import re
from importlib import resources

from overcast.spec import stack_json_schema
from overcast.spec.routes import RouteKeyError, parse_route_key
from overcast.spec.schema import SCHEMA_ID, main, render


def published() -> str:
    return resources.files("overcast.spec").joinpath("overcast.schema.json").read_text(encoding="utf-8")


def test_published_schema_is_up_to_date():
    # regenerate with: python -m overcast.spec.schema
    assert published() == render()
    assert render().endswith("}\n")
    assert json.loads(published()) == stack_json_schema()


def test_schema_header_and_rules():
    schema = stack_json_schema()
    assert schema["$id"] == SCHEMA_ID == "https://overcast.dev/schema/overcast.schema.json"
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] and schema["additionalProperties"] is False
    assert schema["required"] == ["stack", "functions"]
    fn = schema["$defs"]["FunctionSpec"]
    assert fn["required"] == ["handler"] and fn["additionalProperties"] is False
    assert (fn["properties"]["timeout"]["minimum"], fn["properties"]["timeout"]["maximum"]) == (1, 900)
    assert (fn["properties"]["memory"]["minimum"], fn["properties"]["memory"]["maximum"]) == (128, 10240)
    assert "AWS_REGION" in fn["properties"]["environment"]["propertyNames"]["not"]["enum"]


def test_route_pattern_agrees_with_the_parser_on_method_and_shape():
    route = stack_json_schema()["$defs"]["FunctionSpec"]["properties"]["routes"]["items"]
    assert route["type"] == "string" and "greedy" in route["description"]
    pattern = re.compile(route["pattern"])
    for good in ["$default", "GET /items/{id}", "any /files/{proxy+}", "POST /"]:
        parse_route_key(good)
        assert pattern.match(good), good
    for bad in ["FETCH /x", "GET x", "/x", "GET"]:
        assert not pattern.match(bad), bad
        try:
            parse_route_key(bad)
        except RouteKeyError:
            pass
        else:
            raise AssertionError(f"parser accepted {bad!r}")


def test_schema_main_writes_the_file(tmp_path):
    target = tmp_path / "schema.json"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == published()
