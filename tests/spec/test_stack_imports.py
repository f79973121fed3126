"""Stack imports (${stack:STACK.OUTPUT}): recorded, refused where not allowed, substituted; outputs."""

import json

import pytest

from overcast import limits
from overcast.spec import StackImport, StackSpec, imports_in, stack_json_schema, substitute_imports

# --- stack imports -------------------------------------------------------------------------------

IMPORTS = """
stack: api
outputs:
  Table: ${stack:shared-data.TableName}
  Mixed: "$${literal} ${stack:auth.Pool}/${stage}"
functions:
  hello:
    handler: app.handler
    environment:
      TABLE: ${stack:shared-data.TableName}
      BOTH: "${stack:auth.Pool}:${stack:auth.Client}"
      COPY: ${self:outputs.Table}
      PLAIN: ${stage}
"""


def test_imports_are_kept_and_recorded_with_positions(stack_dir):
    stack = stack_dir.load(IMPORTS, stage="prod")
    env = ("functions", "hello", "environment")
    assert stack.imports == (
        StackImport("shared-data", "TableName", ("outputs", "Table"), 3, 10),
        StackImport("auth", "Pool", ("outputs", "Mixed"), 4, 23),
        StackImport("shared-data", "TableName", env + ("TABLE",), 9, 14),
        StackImport("auth", "Pool", env + ("BOTH",), 10, 14),
        StackImport("auth", "Client", env + ("BOTH",), 10, 33),
        StackImport("shared-data", "TableName", env + ("COPY",), 11, 13),  # where ${self:...} brought it in
    )
    assert stack.imports[0].reference == "${stack:shared-data.TableName}"
    # strings holding imports stay templates: other references resolved, literal '${' escaped
    assert stack.spec.outputs == {"Table": "${stack:shared-data.TableName}", "Mixed": "$${literal} ${stack:auth.Pool}/prod"}
    assert stack.spec.functions["hello"].environment == {
        "TABLE": "${stack:shared-data.TableName}",
        "BOTH": "${stack:auth.Pool}:${stack:auth.Client}",
        "COPY": "${stack:shared-data.TableName}",
        "PLAIN": "prod",
    }
    assert imports_in(stack.spec) == [("auth", "Client"), ("auth", "Pool"), ("shared-data", "TableName")]


@pytest.mark.parametrize(
    ("lines", "position", "path"),
    [
        ("description: ${stack:data.Name}", (2, 14), "description"),
        ("custom: {table: '${stack:data.Name}'}", (2, 18), "custom.table"),
        ("custom:\n  list: [x, 'a-${stack:data.Name}']", (3, 16), "custom.list[1]"),
    ],
)
def test_imports_are_refused_outside_environment_and_outputs(stack_dir, lines, position, path):
    p = stack_dir.problem(f"stack: api\n{lines}\nfunctions: {{hello: {{handler: app.handler}}}}\n")
    assert ((p.line, p.column), p.path) == (position, path)
    assert p.message == (
        "${stack:data.Name} is a stack import; imports are only allowed in function environment values "
        "(functions.NAME.environment.VAR) and outputs (outputs.NAME)"
    )


def test_imports_are_refused_in_function_settings(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        functions:
          hello:
            handler: ${stack:data.Handler}
            routes: ["GET /${stack:data.Path}"]
        """,
    )
    assert [(p.line, p.column, p.path) for p in found] == [
        (4, 14, "functions.hello.handler"), (5, 20, "functions.hello.routes[0]"),
    ]
    assert all("is a stack import; imports are only allowed in" in p.message for p in found)


def test_import_brought_in_by_self_is_refused_outside_environment_and_outputs(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        outputs:
          Table: ${stack:data.Name}
        description: table ${self:outputs.Table}
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert (p.line, p.column, p.path) == (4, 20, "description")
    assert p.message.startswith("${self:outputs.Table} holds the stack import ${stack:data.Name}; imports are only")


def test_a_stack_cannot_import_from_itself(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        outputs:
          Url: https://x
        functions:
          hello:
            handler: app.handler
            environment:
              URL: "${stack:other.Url} ${stack:api.Url}"
        """,
    )
    assert (p.line, p.column, p.path) == (8, 32, "functions.hello.environment.URL")
    assert p.message == "${stack:api.Url}: a stack cannot import its own output; write ${self:outputs.Url} instead"


def test_self_import_check_uses_the_resolved_stack_name(stack_dir):
    p = stack_dir.problem("stack: ${env:NAME}\noutputs: {X: '${stack:svc.Y}'}\nfunctions: {f: {handler: app.handler}}\n",
                env={"NAME": "svc"})
    assert (p.line, p.column, p.path) == (2, 15, "outputs.X")


# --- substitute_imports --------------------------------------------------------------------------


def test_substitute_imports_fills_every_import(stack_dir):
    spec = stack_dir.load(IMPORTS, stage="prod").spec
    values = {("shared-data", "TableName"): "tbl-1", ("auth", "Pool"): "pool-${x}", ("auth", "Client"): "c"}
    filled = substitute_imports(spec, values)
    assert filled.outputs == {"Table": "tbl-1", "Mixed": "${literal} pool-${x}/prod"}
    assert filled.functions["hello"].environment == {"TABLE": "tbl-1", "BOTH": "pool-${x}:c", "COPY": "tbl-1",
                                                     "PLAIN": "prod"}
    assert imports_in(filled) == []
    assert spec.outputs["Table"] == "${stack:shared-data.TableName}"  # the original is unchanged
    assert filled.functions["hello"].handler == spec.functions["hello"].handler


def test_substitute_imports_names_every_missing_value(stack_dir):
    spec = stack_dir.load(IMPORTS).spec
    with pytest.raises(ValueError) as info:
        substitute_imports(spec, {("auth", "Pool"): "p"})
    assert str(info.value) == (
        "no value for stack import ${stack:auth.Client} (used by functions.hello.environment.BOTH); "
        "${stack:shared-data.TableName} (used by functions.hello.environment.TABLE, "
        "functions.hello.environment.COPY, outputs.Table)"
    )


def test_literal_stack_text_survives_a_round_trip(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        description: $${stack:a.b}
        outputs:
          Doc: "write $${stack:a.b} to import"
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert stack.imports == ()
    assert stack.spec.description == "${stack:a.b}"  # not a place imports can be: plain text
    assert stack.spec.outputs == {"Doc": "write $${stack:a.b} to import"}  # a template without imports
    assert imports_in(stack.spec) == []
    assert substitute_imports(stack.spec, {}).outputs == {"Doc": "write ${stack:a.b} to import"}


def test_substitute_imports_without_imports_returns_the_same_spec():
    spec = StackSpec.model_validate({"stack": "a", "functions": {"f": {"handler": "app.handler",
                                                                      "environment": {"X": "${not-an-import}"}}}})
    assert substitute_imports(spec, {}) is spec


def test_substitute_imports_revalidates_the_result():
    size = limits.LIMITS["lambda.environment_size"].value
    spec = StackSpec.model_validate({"stack": "a", "functions": {"f": {"handler": "app.handler",
                                                                      "environment": {"X": "${stack:b.Big}"}}}})
    with pytest.raises(ValueError) as info:
        substitute_imports(spec, {("b", "Big"): "x" * size})
    assert "environment is" in str(info.value) and "lambda.environment_size" in str(info.value)


def test_substitute_imports_refuses_other_references_in_code_built_specs():
    spec = StackSpec.model_validate({"stack": "a", "outputs": {"O": "${stage}-${stack:b.C}"},
                                     "functions": {"f": {"handler": "app.handler"}}})
    with pytest.raises(ValueError) as info:
        substitute_imports(spec, {("b", "C"): "v"})
    assert str(info.value).startswith("outputs.O: ${stage} is not a stack import")


# --- outputs -------------------------------------------------------------------------------------


def test_outputs_names_and_values_are_checked(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        outputs:
          1st: a
          Port: 8080
          List: [a]
          Flag: true
          ok_Name-2: fine
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert [(p.line, p.path) for p in found] == [(3, "outputs.1st"), (5, "outputs.List"), (6, "outputs.Flag")]
    assert found[0].message == (
        "output name '1st' must start with a letter and hold only letters, digits, '-' and '_' (at most 64 characters)"
    )
    assert found[1].message == "output values must be strings (quote the value), got a list"
    assert found[2].message.startswith("output values must be strings, got boolean true")


def test_outputs_default_to_empty_and_numbers_are_text(stack_dir):
    assert stack_dir.load("stack: a\nfunctions: {f: {handler: app.handler}}\n").spec.outputs == {}
    spec = stack_dir.load("stack: a\noutputs: {Port: 0x1F}\nfunctions: {f: {handler: app.handler}}\n").spec
    assert spec.outputs == {"Port": "0x1F"}


def test_schema_describes_outputs_and_custom():
    props = stack_json_schema()["properties"]
    assert props["outputs"]["propertyNames"] == {"pattern": "^[A-Za-z][A-Za-z0-9_-]{0,63}$"}
    assert props["outputs"]["additionalProperties"]["anyOf"][0] == {"type": "string"}
    assert props["custom"]["type"] == "object"
    json.dumps(props)
