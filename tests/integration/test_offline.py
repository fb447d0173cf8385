"""No process of ours reaches the network: index and ask run with every non-loopback connection refused."""

from __future__ import annotations

import json

from tests.support import run_cli


def test_index_and_ask_with_outbound_blocked(tmp_path, small_corpus, net_guard):
    guard_env, log = net_guard
    env = {**guard_env, "ASSISTANT_HOME": str(tmp_path / "home"), "ASSISTANT_CORPUS": str(small_corpus)}
    idx = run_cli(["index", "--json"], env)
    assert idx.returncode == 0, idx.stderr
    assert json.loads(idx.stdout)["passages"] == 4
    out = run_cli(["ask", "--json", "How many otters were counted along the Tyne?"], env)
    assert out.returncode == 0, out.stderr
    assert "412" in json.loads(out.stdout)["citations"][0]["text"]
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"outbound connections were attempted: {attempts}"


def test_the_guard_itself_catches_outbound_connections(net_guard):
    """The check above means something only if the guard really sees connections."""
    import subprocess
    import sys

    env, log = net_guard
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, timeout=30)
    assert log.read_text().strip() == "192.0.2.1"
