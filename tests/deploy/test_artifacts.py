"""Code archives: reproducible, hashed, without what is not code."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time

from overcast.deploy.artifacts import pack


def names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return sorted(tar.getnames())


def test_same_tree_same_bytes_and_hash(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("y = 2\n")
    sha1, data1 = pack(tmp_path)
    os.utime(tmp_path / "app.py", (time.time() + 100, time.time() + 100))  # times do not matter
    sha2, data2 = pack(tmp_path)
    assert sha1 == sha2 and data1 == data2
    assert sha1 == hashlib.sha256(data1).hexdigest()
    (tmp_path / "app.py").write_text("x = 2\n")
    assert pack(tmp_path)[0] != sha1


def test_leaves_out_what_is_not_code(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "overcast.yml").write_text("stack: s\n")
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    for d in (".overcast", "__pycache__", ".git", ".venv"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "junk.py").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "overcast.yml").write_text("data: kept below the stack root\n")
    assert names(pack(tmp_path)[1]) == ["app.py", "requirements.txt", "sub/overcast.yml"]


def test_stack_file_edits_do_not_change_the_code_hash(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "overcast.yml").write_text("stack: s\n")
    before = pack(tmp_path)[0]
    (tmp_path / "overcast.yml").write_text("stack: s\ndescription: changed\n")
    assert pack(tmp_path)[0] == before
