"""Each mistake is reported at its exact line with a message saying what is allowed."""

import pytest

from overcast.errors import SpecError
from overcast.spec import load_stack


def test_unknown_key_suggests_the_close_one(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            timout: 10
        """
    )
    assert (p.line, p.column, p.path) == (5, 5, "functions.hello.timout")
    assert "unknown key 'timout'; did you mean 'timeout'?" in p.message
    assert "allowed keys: handler, memory, timeout, environment, concurrency, routes" in p.message
    assert p.file == str(stack_dir.root / "overcast.yml")
    assert str(p) == f"{p.file}:5:5: functions.hello.timout: {p.message}"


def test_unknown_top_level_key(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        function:
          hello: {handler: app.handler}
        functions:
          hello: {handler: app.handler}
        """
    )
    assert (p.line, p.path) == (2, "function")
    assert "did you mean 'functions'?" in p.message and "allowed keys: stack, description, functions" in p.message


def test_timeout_out_of_range(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            timeout: 901
        """
    )
    assert (p.line, p.column, p.path) == (5, 5, "functions.hello.timeout")
    assert p.message == "timeout must be between 1 and 900 seconds (limit lambda.timeout, hard), got 901"


def test_memory_out_of_range(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            memory: 64
            handler: app.handler
        """
    )
    assert (p.line, p.path) == (4, "functions.hello.memory")
    assert p.message == "memory must be between 128 and 10240 MB (limit lambda.memory, hard), got 64"


def test_bad_handler_format(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app
        """
    )
    assert (p.line, p.path) == (4, "functions.hello.handler")
    assert "handler must be 'module.function' or 'dir/module.function'" in p.message
    assert "got 'app'" in p.message


def test_handler_module_file_missing(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: src/app.handler
        """,
        modules=("app.py",),
    )
    assert (p.line, p.path) == (4, "functions.hello.handler")
    assert "handler module 'src/app' not found: expected src/app.py or src/app/__init__.py" in p.message
    assert str(stack_dir.root.resolve()) in p.message


def test_bad_route_method(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            routes:
              - GET /hello
              - FETCH /items
        """
    )
    assert (p.line, p.column, p.path) == (7, 9, "functions.hello.routes[1]")
    assert "method 'FETCH' is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY" in p.message


def test_greedy_parameter_not_last(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            routes:
              - GET /files/{path+}/meta
        """
    )
    assert (p.line, p.path) == (6, "functions.hello.routes[0]")
    assert "greedy parameter {path+} must be the last segment" in p.message


def test_same_route_in_two_functions_names_both(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          first:
            handler: app.handler
            routes: [GET /items]
          second:
            handler: app.handler
            routes:
              - POST /items
              - get /items
        """
    )
    assert (p.line, p.path) == (10, "functions.second.routes[1]")
    assert "route 'GET /items' of function 'second' is already used by function 'first'" in p.message


def test_wrong_type(stack_dir):
    problems = stack_dir.problems(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            timeout: "30"
            routes: GET /hello
        """
    )
    assert [(x.line, x.path) for x in problems] == [(5, "functions.hello.timeout"), (6, "functions.hello.routes")]
    assert problems[0].message == "timeout must be an integer, got string '30'"
    assert problems[1].message == "routes must be a list (one '- item' line each), got string 'GET /hello'"


def test_function_that_is_not_a_mapping(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
        """
    )
    assert (p.line, p.path) == (3, "functions.hello")
    assert p.message.startswith("hello must be a mapping with keys handler, memory, timeout")
    assert p.message.endswith("got null")


def test_environment_too_large(stack_dir):
    big = "x" * 4000
    p = stack_dir.problem(
        f"""
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment:
              SMALL: ok
              BIG: {big}
              MORE: {"y" * 100}
        """
    )
    size = len("SMALL") + 2 + len("BIG") + 4000 + len("MORE") + 100
    assert (p.line, p.path) == (5, "functions.hello.environment")
    assert p.message == (
        f"environment is {size} bytes (names + values, UTF-8); at most 4096 bytes are allowed "
        "(limit lambda.environment_size, hard)"
    )


def test_environment_size_counts_utf8_bytes(stack_dir):
    # 1400 three-byte characters: 1400 characters but 4200 bytes
    p = stack_dir.problem(
        f"""
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment: {{A: "{'€' * 1400}"}}
        """
    )
    assert p.line == 5 and "environment is 4201 bytes" in p.message


def test_reserved_environment_name(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment:
              GREETING: hi
              AWS_REGION: eu-west-1
        """
    )
    assert (p.line, p.column, p.path) == (7, 7, "functions.hello.environment.AWS_REGION")
    assert p.message == "environment variable AWS_REGION is reserved: the Lambda runtime sets it"


def test_bad_environment_name(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment: {1ST: x}
        """
    )
    assert (p.line, p.path) == (5, "functions.hello.environment.1ST")
    assert "must start with a letter and hold only letters, digits and '_'" in p.message


def test_boolean_and_null_environment_values_must_be_quoted(stack_dir):
    problems = stack_dir.problems(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment:
              DEBUG: yes
              EMPTY:
              OK: "true"
        """
    )
    assert [(p.line, p.path) for p in problems] == [
        (6, "functions.hello.environment.DEBUG"), (7, "functions.hello.environment.EMPTY"),
    ]
    assert problems[0].message == (
        'environment values must be strings, got boolean true; quote it (e.g. "true") if you mean the text'
    )
    assert "got null" in problems[1].message and "quote it" in problems[1].message


def test_bad_stack_name(stack_dir):
    p = stack_dir.problem(
        """
        # a comment first
        stack: 9lives
        functions:
          hello: {handler: app.handler}
        """
    )
    assert (p.line, p.column, p.path) == (2, 1, "stack")
    assert "stack name must start with a letter" in p.message and "got '9lives'" in p.message


def test_bad_function_name_points_at_the_name(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello.world:
            handler: app.handler
        """
    )
    assert (p.line, p.column, p.path) == (3, 3, 'functions["hello.world"]')
    assert "may hold only letters, digits, '-' and '_'" in p.message


def test_missing_functions_points_at_the_parent_mapping(stack_dir):
    p = stack_dir.problem(
        """

        stack: hello
        description: nothing here
        """
    )
    assert (p.line, p.column, p.path) == (2, 1, "functions")
    assert p.message.startswith("missing required key 'functions'")


def test_missing_handler_points_at_the_function(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            memory: 256
        """
    )
    assert (p.line, p.path) == (3, "functions.hello.handler")
    assert p.message.startswith("missing required key 'handler'")


def test_empty_functions(stack_dir):
    p = stack_dir.problem("stack: hello\nfunctions: {}\n")
    assert (p.line, p.path) == (2, "functions")
    assert "at least one function" in p.message


def test_many_problems_are_reported_together_in_file_order(stack_dir):
    stack_dir.write(
        """
        stack: hello
        functions:
          a:
            handler: app.handler
            timeout: 0
            memry: 256
            routes: [GET /x]
          b:
            handler: gone.handler
            environment: {AWS_REGION: x}
            routes: [GET /x]
        """
    )
    with pytest.raises(SpecError) as info:
        load_stack(stack_dir.root)
    error = info.value
    got = [(p.line, p.path) for p in error.problems]
    assert got == [
        (5, "functions.a.timeout"),
        (6, "functions.a.memry"),
        (9, "functions.b.handler"),
        (10, "functions.b.environment.AWS_REGION"),
        (11, "functions.b.routes[0]"),
    ]
    # the exception text lists every problem, one per line
    assert str(error).splitlines() == [str(p) for p in error.problems]
    assert error.code == "spec.invalid"
