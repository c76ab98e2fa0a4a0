"""tailor.campaign and tailor.backtest against `tailor run` and `tailor backtest` on the same
config: the same exports, manifest counts and backtest tables."""

import json

import pytest

from conftest import SOURCE_DIR, import_tailor

tailor = import_tailor()


def night_config(tmp_path, sample_h5, name):
    """data/campaign.example.toml reading the sample and publishing under tmp_path/name."""
    text = (SOURCE_DIR / "data" / "campaign.example.toml").read_text()
    text = text.replace('"out/sample.h5"', f'"{sample_h5}"')
    text = text.replace('"out/', f'"{tmp_path / name}/').replace("iterations = 15", "iterations = 4")
    (tmp_path / name).mkdir()
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def test_campaign_is_the_clis_night(sample_h5, tmp_path, cli):
    ours = tailor.campaign(night_config(tmp_path, sample_h5, "py"), threads=2)
    cli("run", night_config(tmp_path, sample_h5, "cli"), "--threads", 2)
    ours_csv = (tmp_path / "py/night/campaign.csv").read_text()
    assert ours_csv == (tmp_path / "cli/night/campaign.csv").read_text()
    assert ours.paths["export"].endswith("py/night/campaign.csv")
    theirs = json.loads((tmp_path / "cli/night/campaign.csv.manifest.json").read_text())
    fingerprints = [(o["format"], o["fingerprint"], o["rows"]) for o in ours.manifest["outputs"]]
    assert fingerprints == [(o["format"], o["fingerprint"], o["rows"]) for o in theirs["outputs"]]
    lists = ours.lists
    assert set(lists.columns) >= {"customer_id", "rank", "item_id", "slot", "reason", "group"}
    assert len(lists) == ours_csv.count("\n") - 1  # every CSV row but the header
    assert lists.groupby("customer_id")["rank"].max().max() == 10
    assert ours.summary["lists"] == lists["customer_id"].nunique() == theirs["campaign"]["lists"]
    assert ours.qa["passed"] is True


def test_campaign_refuses_a_bad_config(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[input]\npath = 3\n")
    with pytest.raises(ValueError, match="bad.toml"):
        tailor.campaign(bad)
    with pytest.raises(ValueError, match="no such config file"):
        tailor.campaign(tmp_path / "missing.toml")


def test_backtest_is_the_clis(sample_h5, tmp_path, cli):
    config = night_config(tmp_path, sample_h5, "bt")
    ours = tailor.backtest(config, as_of="2011-11-01", horizon="30d", threads=2)
    done = cli("backtest", config, "--as-of", "2011-11-01", "--horizon", "30d", "--threads", 2,
               "--report", tmp_path / "bt.json")
    theirs = json.loads((tmp_path / "bt.json").read_text())
    assert [v["name"] for v in ours.result["variants"]] == [v["name"] for v in theirs["variants"]]
    for a, b in zip(ours.result["variants"], theirs["variants"]):
        assert a["all"] == b["all"], a["name"]
    variants = ours.variants.set_index("variant")
    assert {"recipe", "buy-again", "popular"} <= set(variants.index)
    assert (variants["hit_rate"] <= 1).all() and (variants["hit_rate"] >= 0).all()
    assert set(ours.by_slot["variant"]) >= {"recipe"}
    assert set(ours.figures) == {"hit_rate", "revenue_share"}
    assert ours.tables.splitlines()[0] == done.stdout.splitlines()[0]
    with pytest.raises(ValueError, match="expected a date"):
        tailor.backtest(config, as_of="yesterday")
