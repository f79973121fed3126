"""${file(PATH):KEY} references: where files are read from, literal values, and every file problem."""

from overcast.spec import load_stack_text


def test_load_stack_text_takes_stage_and_env(tmp_path):
    (tmp_path / "values.yml").write_text("size: 512\n")
    text = "stack: t\ndescription: ${stage}-${env:X}\nfunctions:\n  f:\n    handler: a.b\n" \
           "    memory: ${file(values.yml):size}\n"
    stack = load_stack_text(text, file=str(tmp_path / "overcast.yml"), stage="qa", env={"X": "y"})
    assert (stack.stage, stack.spec.description, stack.spec.functions["f"].memory) == ("qa", "qa-y", 512)
    assert stack.root == tmp_path.resolve()


def test_values_from_env_and_files_are_taken_literally(stack_dir):
    (stack_dir.root / "c.yml").write_text("v: '${stage}'\n")
    stack = stack_dir.load(
        """
        stack: api
        description: ${env:RAW}|${file(c.yml):v}
        functions: {hello: {handler: app.handler}}
        """,
        env={"RAW": "${self:stack}"},
    )
    assert stack.spec.description == "${self:stack}|${stage}"


def test_file_problems(stack_dir):
    root = stack_dir.root
    (root / "bad.yml").write_text("a: [1, 2\n")
    (root / "list.yml").write_text("- a\n")
    (root / "bad.json").write_text("{'a': 1}")
    (root / "ok.yml").write_text("a: {b: 1}\n")
    (root / "latin.yml").write_bytes(b"a: \xe9\n")
    (root / "dir.yml").mkdir()
    found = stack_dir.problems(
        """
        stack: api
        custom:
          missing: ${file(nope.yml):a}
          syntax: ${file(bad.yml):a}
          toplist: ${file(list.yml):a}
          json: ${file(bad.json):a}
          key: ${file(ok.yml):a.c}
          mapping: ${file(ok.yml):a}
          encoding: ${file(latin.yml):a}
          directory: ${file(dir.yml):a}
          again: ${file(nope.yml):b}
        functions: {hello: {handler: app.handler}}
        """,
    )
    assert [(p.line, p.column) for p in found] == [(n, col) for n, col in
                                                   zip(range(3, 12), [12, 11, 12, 9, 8, 12, 13, 14, 10])]
    messages = [p.message for p in found]
    assert messages[0] == f"${{file(nope.yml):a}}: file 'nope.yml' not found (looked for {root.resolve() / 'nope.yml'})"
    assert messages[1].startswith("${file(bad.yml):a}: file 'bad.yml' is not valid YAML at line 2, column 1:")
    assert messages[2] == "${file(list.yml):a}: file 'list.yml' must hold a mapping (key: value lines) at its top level"
    assert messages[3].startswith("${file(bad.json):a}: file 'bad.json' is not valid JSON:")
    assert messages[4] == "${file(ok.yml):a.c}: a in file ok.yml has no key 'c'"
    assert messages[5].startswith("${file(ok.yml):a} is a mapping; a reference must point at a single value")
    assert messages[6] == "${file(latin.yml):a}: file 'latin.yml' is not UTF-8 text"
    assert messages[7].startswith("${file(dir.yml):a}: file 'dir.yml' cannot be read:")
    assert messages[8].startswith("${file(nope.yml):b}: file 'nope.yml' not found")
