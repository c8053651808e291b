"""Config parsing and the read-side CLI commands on a small archive."""

from __future__ import annotations

import pytest

from archive import Archive
from archive.records import ProgramRecord
from evolve.cli import _option, main
from evolve.config import Config, load_config


def test_config_from_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('problem = "exp2"\nbudget = 10\nworkers = 3\n[problem_options]\npoints = 4096\n')
    cfg = load_config(path)
    assert cfg.budget == 10 and cfg.evaluation.workers == 3 and cfg.problem_options == {"points": 4096}


def test_config_sections_in_toml_and_flat_names_agree(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('budget = 10\nllm_model = "m1"\n[population]\nislands = 6\n[llm]\ntemperature = 0.3\n'
                    '[bandit]\nchoice = "weights"\n[bandit.weights]\nswap_operator = 2.0\n')
    cfg = load_config(path)
    assert (cfg.population.islands, cfg.llm.model, cfg.llm.temperature, cfg.bandit.choice) == (6, "m1", 0.3, "weights")
    assert cfg.bandit.weights == {"swap_operator": 2.0}
    stored = cfg.to_dict()  # what the archive keeps: flat names, so archives from before the sections resume
    assert stored["islands"] == 6 and stored["operator_choice"] == "weights" and stored["llm_temperature"] == 0.3
    assert Config.from_dict(stored) == cfg
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['temprature'\] in \[llm\]"):
        Config.from_dict({"llm": {"temprature": 0.1}})


def test_every_setting_has_one_flat_name_and_flags_follow_the_declarations():
    from evolve.cli import build_parser
    from evolve.config import RESUME_OVERRIDES, flat_paths, settings

    assert len(flat_paths()) == len(settings())  # flat names are unique across sections
    assert all(f.metadata["help"] for f in settings().values())
    assert {"budget", "workers", "llm_base_url", "max_llm_calls", "sandbox_os", "max_seconds"} <= set(RESUME_OVERRIDES)
    assert not {"seed", "islands", "operator_choice", "dedupe"} & set(RESUME_OVERRIDES)
    run = next(a for a in build_parser()._subparsers._group_actions[0].choices.values() if a.prog.endswith("run"))
    dests = {a.dest for a in run._actions}
    flagged = {name for name, path in flat_paths().items() if settings()[path].metadata["flag"]}
    assert flagged <= dests and "islands" in flagged and "keep_env" not in flagged


def test_problem_options_are_read_as_python_literals_and_toml_booleans():
    assert _option("points=4096") == ("points", 4096) and _option("env=Acrobot-v1") == ("env", "Acrobot-v1")
    assert _option("products=false") == ("products", False) and _option("heldout_in_metrics=True") == (
        "heldout_in_metrics", True)
    assert _option("name=falsehood") == ("name", "falsehood")


def test_config_rejects_bad_values(tmp_path):
    with pytest.raises(ValueError, match="unknown setting"):
        Config.from_dict({"budgett": 3})
    with pytest.raises(ValueError, match="workers"):
        Config().replace(workers=0)
    with pytest.raises(ValueError, match="audit_dedupe"):
        Config().replace(audit_dedupe=2.0)
    with pytest.raises(ValueError, match="operator_choice"):
        Config().replace(operator_choice="ucb")
    with pytest.raises(ValueError, match="bandit_decay"):
        Config().replace(bandit_decay=1.5)
    with pytest.raises(ValueError, match="bandit_cost"):
        Config().replace(bandit_cost="tokens")
    with pytest.raises(ValueError, match="mutator 'llm' needs an LLM endpoint"):
        Config.from_dict({"mutator": "llm"})
    bad = tmp_path / "bad.toml"
    bad.write_text("budget = = 3")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config(bad)


@pytest.fixture
def small_db(tmp_path):
    db = tmp_path / "a.sqlite"
    a = Archive(db)
    cid = a.create_campaign("t", "exp2", {}, 0, "min")
    a.add([
        ProgramRecord(id=1, campaign_id=cid, source="def f(x):\n    return 1.0 + x\n", status="ok", score=10.0,
                      operator="seed", metrics={"max_ulp": 10}),
        ProgramRecord(id=2, campaign_id=cid, source="def f(x):\n    return 1.0 + x * 0.9\n", status="ok",
                      score=4.0, operator="perturb_constant", generation=1),
        ProgramRecord(id=3, campaign_id=cid, source="def f(x):\n    return 1.0 + x\n", status="duplicate",
                      duplicate_of=1, duplicate_by="code", operator="swap_operator", generation=1),
    ], [(2, 1, "parent"), (3, 1, "parent")],
        arms=[{"campaign_id": cid, "name": "perturb_constant", "pulls": 1, "successes": 1, "reward": 0.6,
               "cost": 0.02},
              {"campaign_id": cid, "name": "swap_operator", "pulls": 1, "cost": 0.005}])
    a.close()
    return str(db)


def test_best_lineage_status_commands(small_db, capsys):
    assert main(["best", small_db, "-k", "5", "--source"]) == 0
    out = capsys.readouterr().out
    assert out.index("     2 ") < out.index("     1 ") and "x * 0.9" in out
    assert main(["lineage", small_db, "2"]) == 0
    out = capsys.readouterr().out
    assert "perturb_constant" in out and "-6" in out and "seed" in out
    assert main(["status", small_db]) == 0
    out = capsys.readouterr().out
    assert "duplicate=1" in out and "by code hash=1" in out and "perturb_constant" in out
    bandit = out[out.index("operator bandit"):]
    assert "perturb_constant" in bandit and "swap_operator" in bandit and "30" in bandit  # 0.6 reward / 0.02 s


def test_run_flags_reach_the_config():
    from evolve.cli import build_parser
    from evolve.config import flag_values

    args = build_parser().parse_args(["run", "exp2", "--operator-choice", "weights", "--bandit-cost", "proposals",
                                      "--bandit-decay", "0.99", "--bandit-seconds-per-token", "0.001", "--no-dedupe",
                                      "--llm", "http://127.0.0.1:9/v1", "--islands", "3"])
    cfg = Config().replace(**flag_values(args))
    assert (cfg.bandit.choice, cfg.bandit.cost, cfg.bandit.decay, cfg.bandit.seconds_per_token) == \
        ("weights", "proposals", 0.99, 0.001)
    assert (cfg.evaluation.dedupe, cfg.llm.base_url, cfg.population.islands) == (False, "http://127.0.0.1:9/v1", 3)
    assert cfg.progress and cfg.sandbox.os  # flags not given leave the defaults
    assert "problem" not in flag_values(args)  # the positional problem is the command's, not a flag


def test_problems_command_lists_exp2(capsys):
    assert main(["problems"]) == 0
    assert "exp2" in capsys.readouterr().out


def test_missing_archive_is_a_clear_error(tmp_path, capsys):
    assert main(["best", str(tmp_path / "nope.sqlite")]) == 1
    assert "nope.sqlite" in capsys.readouterr().err


def test_front_command_prints_a_campaigns_pareto_front_and_the_baselines(tmp_path, capsys, monkeypatch):
    from problems.float32 import baselines

    # Two degrees and the smallest rationals show the rows; fitting and measuring all 89 baselines took a minute.
    every = baselines.baselines
    monkeypatch.setattr(baselines, "baselines", lambda target, _degrees, dtype, _rationals: every(target, (5, 8),
                                                                                                    dtype, 2))
    db = tmp_path / "f.sqlite"
    a = Archive(db)
    cid = a.create_campaign("t", "exp2", {"problem_options": {"points": 4096}}, 0, "min",
                            objectives=[("max_ulp", "min"), ("ops", "min")])
    points = {1: (900, 1), 2: (12, 6), 3: (2, 10), 4: (12, 9), 5: (2, 10), 6: (1, 16)}
    a.add([ProgramRecord(id=i, campaign_id=cid, source=f"def f(x):\n    return {i}.0 + x\n", status="ok",
                         score=ulp + ops / 1000, operator="seed" if i == 1 else "insert_term",
                         metrics={"max_ulp": ulp, "ops": ops}) for i, (ulp, ops) in points.items()]
          + [ProgramRecord(id=7, campaign_id=cid, source="def f(x):\n    return x\n", status="ok", score=0.5,
                           operator="migration", metrics={"max_ulp": 0, "ops": 0})], [])
    a.close()
    archive = Archive(db, readonly=True)
    assert [r.id for r in archive.front()] == [6, 3, 2, 1]  # 4 is dominated, 5 repeats 3, 7 is a copy
    assert [r.id for r in archive.front(objectives=[("max_ulp", "min")])] == [6]
    assert main(["front", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.index("#6") < out.index("#3") < out.index("#2") < out.index("#1") and "#4" not in out
    assert main(["front", str(db), "--objectives", "ops:min,max_ulp:min", "--baselines"]) == 0
    out = capsys.readouterr().out
    assert "minimax 5" in out and "taylor 8" in out and "baseline" in out
    assert main(["front", str(db), "--objectives", "ops"]) == 1
    assert "NAME:min or NAME:max" in capsys.readouterr().err


def test_front_baselines_of_a_problem_that_offers_none_is_a_clear_error(tmp_path, capsys):
    from pathlib import Path

    db = tmp_path / "n.sqlite"
    problem = str(Path(__file__).parent / "problems" / "own_operator.py")
    a = Archive(db)
    cid = a.create_campaign("t", problem, {}, 0, "min")
    a.add([ProgramRecord(id=1, campaign_id=cid, source="def f(x):\n    return x\n", status="ok", score=1.0,
                         operator="seed")], [])
    a.close()
    assert main(["front", str(db), "--baselines"]) == 1
    assert "offers no baselines" in capsys.readouterr().err
