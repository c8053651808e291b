"""A scripted OpenAI-compatible HTTP server on loopback, for testing the LLM path for real.

Each POST to ``/v1/chat/completions`` takes the next step of the script (the last step repeats):

- ``{"text": "..."}``: a normal answer with that content and token usage;
- ``{"status": 429, "retry_after": 0.2}`` or ``{"status": 500}``: an error answer;
- ``{"sleep": 5.0, "text": ...}``: answer after a delay (longer than a client's deadline, say);
- ``{"drop": True}``: close the connection without answering;
- ``{"raw": "..."}``: send this body as is (truncated JSON, an empty choice list...).

Given ``responder``, every answer's content is instead ``responder(messages)`` (a model that reacts to the
prompt, e.g. both the mutator's and an agent's LLM in one campaign).

Whatever the script says, a request before ``down_until`` (``time.monotonic()``) gets a 500 (an outage), and
with ``strict_model`` one that names another model than the server's gets a 404, as real endpoints answer.
Each request's arrival (``times``) and status (``statuses``) are recorded.

The server binds 127.0.0.1 only, records every request, and stops with :meth:`stop`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedLLMServer:
    """Start with ``ScriptedLLMServer(script).start()``; ``url`` is the base URL for an OpenAI client."""

    def __init__(self, script: list[dict[str, Any]], model: str = "scripted",
                 responder: Callable[[list[dict[str, str]]], str] | None = None) -> None:
        self.script = list(script) or [{}]
        self.responder = responder
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.times: list[float] = []
        self.statuses: list[int] = []
        self.down_until = 0.0
        self.strict_model = False
        self._lock = threading.Lock()
        self._step = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                body = json.dumps({"object": "list", "data": [{"id": server.model, "object": "model"}]})
                self._send(200, body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                now = time.monotonic()
                with server._lock:
                    server.requests.append(payload)
                    server.headers.append(dict(self.headers))
                    server.times.append(now)
                    step = server.script[min(server._step, len(server.script) - 1)]
                    server._step += 1
                if now < server.down_until:
                    step = {"status": 500}
                elif server.strict_model and payload.get("model") != server.model:
                    step = {"status": 404, "message": f"The model `{payload.get('model')}` does not exist"}
                if step.get("sleep"):
                    time.sleep(step["sleep"])
                if step.get("drop"):
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if "raw" in step:
                    self._send(200, step["raw"])
                    return
                status = step.get("status", 200)
                if status != 200:
                    extra = {"Retry-After": str(step["retry_after"])} if "retry_after" in step else {}
                    message = step.get("message", f"scripted {status}")
                    self._send(status, json.dumps({"error": {"message": message}}), extra)
                    return
                text = server.responder(payload.get("messages", [])) if server.responder else step.get("text", "")
                body = {
                    "id": f"chatcmpl-{server._step}", "object": "chat.completion", "created": int(time.time()),
                    "model": payload.get("model", server.model),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": max(1, len(text.split())),
                              "total_tokens": 11 + max(1, len(text.split()))},
                }
                self._send(200, json.dumps(body))

            def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
                if self.command == "POST":
                    with server._lock:
                        server.statuses.append(status)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:PORT/v1``)."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> ScriptedLLMServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


if __name__ == "__main__":  # a stand-in model server process: python bench/fault_injection/llm_server.py PORT
    import sys

    server = ScriptedLLMServer([{"text": "```python\ndef f(x):\n    return 1.0 + x * 0.7\n```"}])
    server._httpd.server_close()
    server._httpd = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), server._httpd.RequestHandlerClass)
    server._httpd.serve_forever()
