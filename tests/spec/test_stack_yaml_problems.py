"""YAML-level mistakes: syntax, duplicate and non-string keys, tags, encoding."""

import pytest

from overcast.errors import SpecError
from overcast.spec import load_stack


def test_duplicate_yaml_key(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            timeout: 3
            memory: 256
            timeout: 30
        """
    )
    assert (p.line, p.column, p.path) == (7, 5, "functions.hello.timeout")
    assert "duplicate key 'timeout' (first written at line 5)" in p.message


def test_yaml_syntax_error_has_pyyaml_line(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            routes: [GET /a, GET /b
        description: x
        """
    )
    assert p.line == 6 and p.path == "(yaml)"
    assert p.message.startswith("YAML syntax error: expected ',' or ']'")
    assert "while parsing a flow sequence, line 5" in p.message


def test_tab_indentation_is_a_syntax_error(stack_dir):
    p = stack_dir.problem("stack: hello\nfunctions:\n\thello: {handler: app.handler}\n")
    assert (p.line, p.column) == (3, 1)
    assert "'\\t'" in p.message


def test_non_string_key(stack_dir):
    p = stack_dir.problem(
        """
        stack: hello
        functions:
          hello:
            handler: app.handler
            environment:
              true: x
        """
    )
    assert (p.line, p.column) == (6, 7)
    assert "key true is not a string" in p.message


def test_empty_file_and_top_level_not_a_mapping(stack_dir):
    p = stack_dir.problem("# only a comment\n")
    assert (p.line, p.path) == (1, "(top level)") and "the stack file is empty" in p.message
    p = stack_dir.problem("# a list\n- stack: hello\n")
    assert p.line == 2 and "the top level must be a mapping" in p.message and "got a list" in p.message


def test_yaml_features_that_would_hide_mistakes_are_rejected(stack_dir):
    problems = stack_dir.problems(
        """
        stack: hello
        defaults: &defaults
          memory: 256
        functions:
          hello:
            <<: *defaults
            handler: app.handler
            timeout: !Ref Timeout
        """
    )
    assert [(p.line, p.path) for p in problems] == [
        (2, "defaults"), (6, "functions.hello"), (8, "functions.hello.timeout"),
    ]
    assert "unknown key 'defaults'" in problems[0].message
    assert "merge keys ('<<') are not supported" in problems[1].message
    assert "YAML tag !Ref is not supported" in problems[2].message


def test_recursive_alias_is_reported(stack_dir):
    p = stack_dir.problem("stack: hello\nfunctions: &f\n  hello: *f\n")
    assert "recursive YAML alias" in p.message


def test_invalid_utf8_is_reported_with_its_line(stack_dir):
    (stack_dir.root / "overcast.yml").write_bytes(b"stack: hello\ndescription: caf\xe9\n")
    with pytest.raises(SpecError) as info:
        load_stack(stack_dir.root)
    (p,) = info.value.problems
    assert p.line == 2 and "not valid UTF-8" in p.message
