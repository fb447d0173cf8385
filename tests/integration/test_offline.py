"""No process of ours reaches the network: index and ask run with every non-loopback connection refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support import run_cli


def test_index_and_ask_with_outbound_blocked(tmp_path, small_corpus, net_guard, embedder):
    """...and they write nothing outside the assistant's home and the model cache: onnxruntime's telemetry wrote
    a device id under ~/.cache/Microsoft and a session file in the temporary folder until it was switched off."""
    guard_env, log = net_guard
    user_home, temp = tmp_path / "user", tmp_path / "tmp"
    user_home.mkdir()
    temp.mkdir()
    env = {**guard_env, "ASSISTANT_HOME": str(tmp_path / "home"), "ASSISTANT_CORPUS": str(small_corpus),
           "HOME": str(user_home), "TMPDIR": str(temp), "ASSISTANT_MODEL_CACHE": str(Path(embedder.model).parent),
           "ORT_DISABLE_TELEMETRY": None}  # as a user's shell has it: the package itself must switch it off
    idx = run_cli(["index", "--json"], env)
    assert idx.returncode == 0, idx.stderr
    assert json.loads(idx.stdout)["passages"] == 4
    out = run_cli(["ask", "--json", "How many otters were counted along the Tyne?"], env)
    assert out.returncode == 0, out.stderr
    assert "412" in json.loads(out.stdout)["citations"][0]["text"]
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"outbound connections were attempted: {attempts}"
    left = sorted(str(p.relative_to(tmp_path)) for p in (*user_home.rglob("*"), *temp.rglob("*")))
    assert left == [], f"written outside the assistant's home: {left}"


def test_the_guard_itself_catches_outbound_connections(net_guard):
    """The check above means something only if the guard really sees connections."""
    import subprocess
    import sys

    env, log = net_guard
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, timeout=30)
    assert log.read_text().strip() == "192.0.2.1"
