"""Fixtures of the Python package's tests: the CLI binary and data files made with it.

ctest runs each test file with PYTHONPATH=<build>/python, TAILOR_BINARY (the CLI of the same
build) and TAILOR_CTEST=1, under which a file whose every test skipped exits 77 so that ctest
reports it as skipped, not passed."""

import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("TAILOR_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
SAMPLE_CSV = SOURCE_DIR / "data" / "online_retail_sample.csv.gz"
ITEMS_CSV = SOURCE_DIR / "data" / "online_retail_items.csv.gz"


def import_tailor():
    """The package, or a skip that says what is missing: numpy, pandas and scipy (Debian's
    python3-numpy, python3-pandas, python3-scipy) or the built module."""
    for module in ("numpy", "pandas", "scipy"):
        pytest.importorskip(module, reason=f"{module} is not installed for this interpreter")
    return pytest.importorskip(
        "tailor", reason="the tailor Python module is not importable: build it (cmake option "
        "TAILOR_PYTHON, needs python3-dev and pybind11-dev) and put <build>/python on PYTHONPATH")


@pytest.fixture(scope="session")
def cli():
    """Runs the tailor CLI of the build: cli("inspect", path) -> CompletedProcess."""
    binary = os.environ.get("TAILOR_BINARY", "")
    if not binary or not os.access(binary, os.X_OK):
        pytest.skip("TAILOR_BINARY does not name the tailor CLI (ctest sets it)")

    def run(*args, check=True, cwd=None):
        done = subprocess.run([binary, "-q", *map(str, args)], capture_output=True, text=True,
                              cwd=cwd)
        if check and done.returncode != 0:
            raise AssertionError(f"tailor {' '.join(map(str, args))} exited {done.returncode}:\n"
                                 f"{done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def sample_h5(cli, tmp_path_factory):
    """The bundled Online Retail sample, imported by the CLI with its items file."""
    out = tmp_path_factory.mktemp("sample") / "sample.h5"
    cli("import", SAMPLE_CSV, out, "--customer", "CustomerID", "--item", "StockCode", "--time",
        "InvoiceDate", "--quantity", "Quantity", "--price", "UnitPrice", "--items", ITEMS_CSV,
        "--items-id", "StockCode", "--items-name", "name", "--items-category", "category",
        "--items-price", "price")
    return out


_outcomes = {"passed": 0, "failed": 0, "skipped": 0}


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.outcome] = _outcomes.get(report.outcome, 0) + 1


def pytest_collectreport(report):
    if report.outcome == "skipped":  # a module skipped as a whole (the package is not built)
        _outcomes["skipped"] += 1


def pytest_sessionfinish(session, exitstatus):
    only_skips = _outcomes["skipped"] > 0 and _outcomes["passed"] == 0 and _outcomes["failed"] == 0
    # 5: nothing collected, which is what a module skipped at import leaves.
    if os.environ.get("TAILOR_CTEST") == "1" and exitstatus in (0, 5) and only_skips:
        session.exitstatus = 77
