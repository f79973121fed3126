"""References in stack files: ${stage}, ${env:...}, ${self:...}, ${file(...):...}; types and escapes."""

import pytest

from overcast.spec import StackImport, load_stack
from overcast.spec.refsyntax import Ref, escape, split_template

# --- every kind ----------------------------------------------------------------------------------


def test_every_kind_resolves(stack_dir):
    (stack_dir.root / "config.yml").write_text("flags:\n  beta: 'on'\n  list: [a, b]\n")
    (stack_dir.root / "conf").mkdir()
    (stack_dir.root / "conf" / "ids.json").write_text('{"team": {"id": "t-42"}}')
    stack = stack_dir.load(
        """
        stack: api
        outputs:
          Url: "https://example/${stage}"
        functions:
          hello:
            handler: app.handler
            environment:
              TABLE: ${stack:shared-data.TableName}
              REGION: ${env:AWS_REGION, 'us-east-1'}
              HOME_DIR: ${env:HOME_DIR}
              ZONE: ${env:ZONE, "a"}
              STAGE: ${stage}
              NAME: ${self:stack}
              FLAG: ${file(config.yml):flags.beta}
              SECOND: ${file(./config.yml):flags.list.1}
              TEAM: ${file(conf/ids.json):team.id}
        """,
        stage="prod",
        env={"HOME_DIR": "/home/x", "ZONE": "b"},
    )
    assert stack.stage == "prod"
    assert stack.spec.outputs == {"Url": "https://example/prod"}
    assert stack.spec.functions["hello"].environment == {
        "TABLE": "${stack:shared-data.TableName}",
        "REGION": "us-east-1",
        "HOME_DIR": "/home/x",
        "ZONE": "b",
        "STAGE": "prod",
        "NAME": "api",
        "FLAG": "on",
        "SECOND": "b",
        "TEAM": "t-42",
    }
    assert stack.imports == (
        StackImport("shared-data", "TableName", ("functions", "hello", "environment", "TABLE"), 8, 14),
    )


def test_stage_defaults_to_dev_and_env_to_the_process_environment(stack_dir, monkeypatch):
    monkeypatch.setenv("OVERCAST_TEST_VALUE", "from-os")
    stack_dir.write(
        """
        stack: api
        description: ${stage}/${env:OVERCAST_TEST_VALUE}
        functions: {hello: {handler: app.handler}}
        """
    )
    stack = load_stack(stack_dir.root)
    assert (stack.stage, stack.spec.description, stack.imports) == ("dev", "dev/from-os", ())


def test_env_default_may_be_empty_or_hold_braces_and_commas(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        custom:
          empty: ${env:NOPE, ''}
          braces: "<${env:NOPE, 'a}b, c'}>"
          set: ${env:SET, 'unused'}
        functions: {hello: {handler: app.handler}}
        """,
        env={"SET": ""},
    )
    assert stack.spec.custom == {"empty": "", "braces": "<a}b, c>", "set": ""}


# --- types ---------------------------------------------------------------------------------------


def test_whole_string_reference_keeps_its_type(stack_dir):
    (stack_dir.root / "limits.json").write_text('{"timeout": 30, "ratio": 0.5, "on": true, "none": null}')
    stack = stack_dir.load(
        """
        stack: api
        custom:
          memory: 256
          enabled: true
          none: null
          copy_int: ${self:custom.memory}
          copy_bool: ${self:custom.enabled}
          copy_null: ${self:custom.none}
          ratio: ${file(limits.json):ratio}
          from_json: ${file(limits.json):on}
        functions:
          hello:
            handler: app.handler
            memory: ${self:custom.memory}
            timeout: ${file(limits.json):timeout}
            concurrency: ${self:functions.hello.timeout}
        """,
    )
    custom = stack.spec.custom
    assert custom["copy_int"] == 256 and type(custom["copy_int"]) is not str
    assert custom["copy_bool"] is True and custom["copy_null"] is None
    assert custom["ratio"] == 0.5 and custom["from_json"] is True
    fn = stack.spec.functions["hello"]
    assert (fn.memory, fn.timeout, fn.concurrency) == (256, 30, 30)


def test_where_text_is_expected_numbers_and_booleans_become_text(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        custom: {hex: 0x1F, rate: 1.50, flag: true, word: hi}
        outputs:
          Rate: ${self:custom.rate}
        functions:
          hello:
            handler: app.handler
            environment:
              HEX: ${self:custom.hex}
              FLAG: ${self:custom.flag}
              WORD: ${self:custom.word}
        """,
    )
    assert stack.spec.outputs == {"Rate": "1.50"}
    assert stack.spec.functions["hello"].environment == {"HEX": "0x1F", "FLAG": "true", "WORD": "hi"}


def test_embedded_references_are_written_as_text(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        description: "arn:${stage}:x:${self:custom.n}:${self:custom.enabled}:${self:custom.rate}-${stage}"
        custom: {n: 0x10, enabled: false, rate: 1.50}
        functions: {hello: {handler: app.handler}}
        """,
        stage="eu-1",
    )
    assert stack.spec.description == "arn:eu-1:x:0x10:false:1.50-eu-1"


def test_self_references_follow_references(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        custom:
          prefix: ${self:stack}-${stage}
          table: ${self:custom.prefix}-items
          memory: ${self:custom.sizes.1}
          sizes: [128, 512]
        functions:
          hello:
            handler: app.handler
            memory: ${self:custom.memory}
            environment:
              TABLE: ${self:custom.table}
        """,
    )
    assert stack.spec.functions["hello"].environment == {"TABLE": "api-dev-items"}
    assert stack.spec.functions["hello"].memory == 512


# --- escapes -------------------------------------------------------------------------------------


def test_split_template_parts():
    assert split_template("a-${stage}-$${x}${env:A, '}'}") == [
        "a-", Ref("${stage}", 2), "-${x}", Ref("${env:A, '}'}", 16),
    ]
    assert split_template("${stage}") == [Ref("${stage}", 0)]
    assert split_template("") == [""]


@pytest.mark.parametrize("literal", ["", "plain", "${x}", "$${x}", "$$${x}", "a$", "$", "${", "}${stage}$", "$$", "$}{"])
def test_escape_is_the_inverse_of_splitting(literal):
    assert split_template(escape(literal)) == [literal]


def test_escaped_dollar_brace_stays_literal(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        description: "$${stage} is ${stage}; $${unclosed and $$${stage}"
        functions:
          hello:
            handler: app.handler
            environment:
              LITERAL: $${HOME}
        """,
    )
    assert stack.spec.description == "${stage} is dev; ${unclosed and $${stage}"
    assert stack.spec.functions["hello"].environment == {"LITERAL": "${HOME}"}
    assert stack.imports == ()


def test_text_without_references_is_untouched(stack_dir):
    stack = stack_dir.load(
        """
        stack: api
        description: "cost: $5 {not a ref} $ {} }"
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert stack.spec.description == "cost: $5 {not a ref} $ {} }"


# --- stage names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["Prod", "1st", "", "a_b", "x" * 33, "dev "])
def test_bad_stage_name_is_refused_before_reading(stack_dir, stage):
    p = stack_dir.problem("stack: api\nfunctions: {hello: {handler: app.handler}}\n", stage=stage)
    assert (p.line, p.column, p.path) == (0, 0, "(stage)")
    assert p.message.startswith("stage name must start with a lowercase letter")
    assert repr(stage) in p.message and str(p).endswith(p.message)


def test_good_stage_names(stack_dir):
    for stage in ["dev", "prod-eu-1", "a", "x" * 32]:
        assert stack_dir.load("stack: api\nfunctions: {hello: {handler: app.handler}}\n", stage=stage).stage == stage
