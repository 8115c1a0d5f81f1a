"""Shared fixtures of the package's tests, which run against the installed package (`pip install
./bindings/python`; .ci/run does it in a fresh virtual environment).

Every C function call made through the package during the session is recorded; after a full run
the summary says how many of the header's functions the tests reached through the public API, and
the run fails if one was never called (a function the package does not wrap, or wraps untested).
"""
import re
from pathlib import Path

import pytest

import ferrolab
from ferrolab import _lib

ROOT = Path(__file__).resolve().parents[3]
HEADER = ROOT / "include" / "ferrolab.h"

_called = set()


def header_functions():
    """The names of the functions include/ferrolab.h declares."""
    return set(re.findall(r"^[a-z].*?\b(ferrolab_\w+)\(", HEADER.read_text(), flags=re.M))


def _recording(name, fn):
    def call(*args):
        _called.add(name)
        return fn(*args)

    return call


def pytest_configure(config):
    for name in _lib._SIGNATURES:
        setattr(_lib.lib, name, _recording(name, getattr(_lib.lib, name)))


def pytest_report_header(config):
    return f"ferrolab {ferrolab.__version__} from {Path(ferrolab.__file__).parent}, library {ferrolab.library_path()}"


_deselected = []


def pytest_deselected(items):
    _deselected.extend(items)


def _full_run(session):
    """Every test file of this folder collected, none deselected, all passed."""
    here = Path(__file__).parent
    files = {Path(item.fspath) for item in session.items if Path(item.fspath).parent == here}
    return not _deselected and session.testsfailed == 0 and files == set(here.glob("test_*.py"))


_outcome = {}


def pytest_sessionfinish(session, exitstatus):
    _outcome["full"] = exitstatus == 0 and _full_run(session)
    if _outcome["full"] and header_functions() - _called:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    # Runs after pytest_sessionfinish (the terminal reporter wraps it).
    functions = header_functions()
    missing = sorted(functions - _called)
    line = (f"ferrolab: the tests called {len(functions) - len(missing)} of the header's {len(functions)} C "
            "functions through the package")
    if not _outcome.get("full"):
        line += " (not a full run: not checked)"
    elif missing:
        line += f"; never: {', '.join(missing)}. A full run must call them all: FAILED"
    terminalreporter.write_line(line)


@pytest.fixture
def no_c_calls(monkeypatch):
    """Make every C function fail the test if called: checks done in Python must refuse first.
    The _free functions stay: the garbage collector releases earlier objects at any moment."""
    for name in _lib._SIGNATURES:
        if name.endswith("_free"):
            continue

        def refuse(*args, name=name):
            raise AssertionError(f"{name} was called")

        monkeypatch.setattr(_lib.lib, name, refuse)
