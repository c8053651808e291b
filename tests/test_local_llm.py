"""The embedded-model server lifecycle: started on loopback, answered through the OpenAI client, stopped.

The real SmolLM2 server needs the ``local-llm`` extra; here a stand-in server process
(bench/fault_injection/llm_server.py) takes its place, so the start, wait, use and stop paths run for real.
"""

from __future__ import annotations

import socket
import sys

import pytest
from tests_helpers import FAULTS

from archive import Archive
from evolve import Campaign, load_problem
from evolve.llm import local
from evolve.llm.client import LLMClient, LLMSettings

STAND_IN = [sys.executable, str(FAULTS / "llm_server.py"), "{port}"]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_server_starts_answers_and_stops():
    with local.LocalServer(STAND_IN, startup_timeout=30) as server:
        call = LLMClient(LLMSettings(base_url=server.url, model=server.alias, deadline=10)).complete(
            [{"role": "user", "content": "improve"}])
        assert call.ok and "def f" in call.text
        process = server.process
    assert process.poll() is not None and port_is_free(server.port)


def test_server_that_dies_at_start_is_a_clear_error():
    server = local.LocalServer([sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)"],
                               startup_timeout=30)
    with pytest.raises(RuntimeError, match="exited with 3.*no model here"):
        server.start()


def test_missing_model_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match=r"pip install '\.\[local-llm\]'"):
        local.model_path()
    with pytest.raises(RuntimeError, match="local-llm"):
        local.server_command(local.Path("m.gguf"), 1)


def test_campaign_with_local_model_starts_and_stops_it(ray_session, tmp_path):
    db = tmp_path / "local.sqlite"
    campaign = Campaign(load_problem("exp2", points=4096), db=str(db), budget=6, workers=1, batch_size=2,
                        progress=False, mutator="llm", llm_base_url="local", llm_local_command=STAND_IN)
    summary = campaign.run()
    assert summary.status == "finished"
    calls = Archive(db, readonly=True).llm_calls()
    assert calls and all(c.model == local.ALIAS and c.error is None for c in calls)
    assert campaign.llm.local_server.process.poll() is not None  # stopped with the campaign
    assert port_is_free(campaign.llm.local_server.port)


def test_short_campaign_with_the_real_smollm2(ray_session, tmp_path):
    """The real embedded model (the local-llm extra, which CI installs): LLM-made programs and their calls
    are in the archive, and the server is gone afterwards."""
    local.model_path()  # fails, naming the extra, if it is not installed
    db = tmp_path / "smollm2.sqlite"
    campaign = Campaign(load_problem("exp2", points=4096), db=str(db), budget=6, workers=1, batch_size=2,
                        progress=False, mutator="llm", llm_base_url="local", llm_max_tokens=128,
                        llm_modes={"full": 1.0}, llm_in_flight=2)
    summary = campaign.run()
    assert summary.status == "finished" and summary.proposed == 6
    archive = Archive(db, readonly=True)
    calls = archive.llm_calls()
    assert len(calls) == 6 and all(c.model == local.ALIAS for c in calls)
    assert all(c.error is None and c.response and c.tokens_out > 0 for c in calls)  # the model answered
    made = {r.id: r for r in archive.programs() if r.operator == "llm-full"}
    assert {c.program_id for c in calls} == set(made)
    assert campaign.llm.local_server.process.poll() is not None
