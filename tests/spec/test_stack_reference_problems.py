"""Each bad reference is reported at the reference itself (file:line:column), once."""

import pytest

# --- problems, each at the reference -------------------------------------------------------------


def test_unknown_kind_suggests_the_close_one(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        functions:
          hello:
            handler: app.handler
            environment:
              NAME: ${sefl:stack}
        """,
    )
    assert (p.line, p.column, p.path) == (6, 13, "functions.hello.environment.NAME")
    assert p.message.startswith("unknown reference kind 'sefl' in ${sefl:stack}; did you mean 'self'? (references are")
    assert "${file(PATH):KEY}" in p.message


def test_embedded_reference_is_located_inside_its_quoted_string(stack_dir):
    p = stack_dir.problem('stack: api\ndescription: "x-${stage}-${sttage}"\nfunctions: {hello: {handler: app.handler}}\n')
    assert (p.line, p.column, p.path) == (2, 26, "description")
    assert "unknown reference kind 'sttage' in ${sttage}; did you mean 'stage'?" in p.message


def test_serverless_opt_stage_is_pointed_at_stage(stack_dir):
    p = stack_dir.problem("stack: api\ndescription: ${opt:stage}\nfunctions: {hello: {handler: app.handler}}\n")
    assert (p.line, p.column) == (2, 14)
    assert p.message.startswith("${opt:stage}: the stage is written ${stage} here")


def test_missing_env_var_without_default(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        functions:
          hello:
            handler: app.handler
            environment:
              DB: "postgres://${env:DB_HOST}/x"
        """,
        env={"DB_HOSTNAME": "h"},
    )
    assert (p.line, p.column, p.path) == (6, 23, "functions.hello.environment.DB")
    assert p.message == (
        "${env:DB_HOST}: environment variable DB_HOST is not set; set it, or give a default: ${env:DB_HOST, 'value'}"
    )


def test_failed_reference_is_not_reported_again_by_validation(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        functions:
          hello:
            handler: app.handler
            memory: ${env:MEM}
        """,
    )
    assert (p.line, p.column, p.path) == (5, 13, "functions.hello.memory")
    assert "environment variable MEM is not set" in p.message


def test_env_gives_text_so_a_number_field_refuses_it(stack_dir):
    p = stack_dir.problem("stack: api\nfunctions:\n  f:\n    handler: app.handler\n    memory: ${env:M}\n",
                env={"M": "256"})
    assert (p.line, p.path, p.message) == (5, "functions.f.memory", "memory must be an integer, got string '256'")


def test_self_path_not_found_suggests_the_close_key(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        custom:
          memory: 256
        functions:
          hello:
            handler: app.handler
            memory: ${self:custom.memroy}
        """,
    )
    assert (p.line, p.column, p.path) == (7, 13, "functions.hello.memory")
    assert p.message == "${self:custom.memroy}: custom in the stack file has no key 'memroy'; did you mean 'memory'?"


def test_self_path_through_a_value_or_past_a_list(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        custom:
          a: ${self:stack.name}
          b: ${self:custom.list.2}
          c: ${self:nothing}
          list: [x, y]
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert [(p.line, p.column, p.path) for p in found] == [(3, 6, "custom.a"), (4, 6, "custom.b"), (5, 6, "custom.c")]
    assert found[0].message == "${self:stack.name}: stack in the stack file is a single value, it has no key 'name'"
    assert found[1].message == (
        "${self:custom.list.2}: custom.list in the stack file is a list of 2 items; '2' is not one of its indexes"
    )
    assert found[2].message == "${self:nothing}: the stack file has no key 'nothing'"


def test_self_reference_to_a_mapping_or_list_is_refused(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        description: "all: ${self:custom.list}"
        custom:
          list: [1, 2]
          copy: ${self:functions}
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert [(p.line, p.column, p.path) for p in found] == [(2, 20, "description"), (5, 9, "custom.copy")]
    assert found[0].message == (
        "${self:custom.list} is a list; a reference must point at a single value (text, number, true/false)"
    )
    assert found[1].message.startswith("${self:functions} is a mapping; a reference must point at a single value")


def test_null_cannot_be_embedded_in_text(stack_dir):
    p = stack_dir.problem("stack: api\ncustom: {none: null}\ndescription: v${self:custom.none}\n"
                           "functions: {hello: {handler: app.handler}}\n")
    assert (p.line, p.column) == (3, 15)
    assert p.message == "${self:custom.none} is null; only text, numbers and true/false can be used as text"


def test_self_references_that_loop_are_reported_once(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        custom:
          a: x-${self:custom.b}
          b: ${self:custom.c}
          c: ${self:custom.a}
          user: ${self:custom.b}
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert len(found) == 1, "\n".join(map(str, found))
    p = found[0]
    assert (p.line, p.column, p.path) == (3, 8, "custom.a")
    assert p.message == "${self:custom.b}: references form a loop: custom.a -> custom.b -> custom.c -> custom.a"


def test_value_referring_to_itself_is_a_loop(stack_dir):
    p = stack_dir.problem("stack: ${self:stack}\nfunctions: {hello: {handler: app.handler}}\n")
    assert (p.line, p.column, p.path) == (1, 8, "stack")
    assert p.message == "${self:stack}: references form a loop: stack -> stack"


def test_unclosed_reference(stack_dir):
    p = stack_dir.problem('stack: api\ndescription: "from ${stage to ${env:X}"\nfunctions: {hello: {handler: app.handler}}\n')
    assert (p.line, p.column) == (2, 20)
    assert p.message == (
        "nested references are not supported: '${stage to ${' opens a '${' inside another (or a '}' is missing); "
        "write the inner value out"
    )
    p = stack_dir.problem('stack: api\ndescription: "from ${stage"\nfunctions: {hello: {handler: app.handler}}\n')
    assert (p.line, p.column) == (2, 20)
    assert p.message == "unclosed reference '${stage': a '${' must be closed by '}' (write '$${' for a literal '${')"


def test_nested_reference_is_refused(stack_dir):
    p = stack_dir.problem(
        """
        stack: api
        custom:
          prod: 1
          size: ${self:custom.${stage}}
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert (p.line, p.column, p.path) == (4, 9, "custom.size")
    assert p.message.startswith("nested references are not supported: '${self:custom.${' opens a '${' inside another")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("${}", "empty reference '${}'"),
        ("${stage:x}", "${stage:x}: ${stage} takes no argument"),
        ("${env}", "${env}: ${env:...} needs an argument"),
        ("${env:1X}", "${env:1X}: environment variable name '1X' must be letters, digits and '_'"),
        ("${env:X, bare}", "${env:X, bare}: the default must be one quoted text"),
        ("${env:X, 'a' 'b'}", "${env:X, 'a' 'b'}: the default must be one quoted text"),
        ("${self:}", "${self:}: ${self:PATH} needs a dotted path"),
        ("${self:a..b}", "${self:a..b}: ${self:PATH} needs a dotted path"),
        ("${self:stack, 'x'}", "${self:stack, 'x'}: a default (', ...') is only supported in ${env:VAR, 'default'}"),
        ("${file}", "${file}: a file reference is written ${file(PATH):KEY}"),
        ("${file(c.yml)}", "${file(c.yml)}: a file reference is written ${file(PATH):KEY}"),
        ("${file():a}", "${file():a}: a file reference is written ${file(PATH):KEY}"),
        ("${stack:data}", "${stack:data}: a stack import is written ${stack:STACK.OUTPUT}"),
        ("${stack:data.}", "${stack:data.}: a stack import is written ${stack:STACK.OUTPUT}"),
        ("${stack:1data.Out}", "${stack:1data.Out}: a stack import is written ${stack:STACK.OUTPUT}"),
        ("${stack:data.Out.x}", "${stack:data.Out.x}: a stack import is written ${stack:STACK.OUTPUT}"),
    ],
)
def test_malformed_references(stack_dir, reference, message):
    p = stack_dir.problem(f"""
        stack: api
        functions:
          hello:
            handler: app.handler
            environment:
              VALUE: "<{reference}>"
        """,
    )
    assert (p.line, p.column, p.path) == (6, 16, "functions.hello.environment.VALUE")
    assert p.message.startswith(message), p.message


def test_positions_in_multiline_single_quoted_and_escaped_strings(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        description: |
          first line
          then ${nope:x}
        custom:
          folded: a
            ${nope:y}
          quoted: 'it''s ${nope:z}'
          escaped: "$${bad:1} ${bad:1}"
          fallback: "${nope:\\"q\\"}"
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert [(p.line, p.column, p.path) for p in found] == [
        (4, 8, "description"),
        (7, 5, "custom.folded"),
        (8, 18, "custom.quoted"),
        (9, 23, "custom.escaped"),
        (10, 13, "custom.fallback"),  # the reference is not written as-is in the source: the string's start
    ]


def test_every_string_is_checked_and_problems_are_sorted(stack_dir):
    found = stack_dir.problems(
        """
        stack: api
        custom:
          unused: ${env:NOPE}
        functions:
          hello:
            handler: app.handler
            timeout: 901
            routes: ["GET /${nope:x}"]
        description: ${stage}
        """,
    )
    assert [(p.line, p.path) for p in found] == [
        (3, "custom.unused"), (7, "functions.hello.timeout"), (8, "functions.hello.routes[0]"),
    ]
