"""``refused``: what every refusal test checks of a CLI result (tests/test_refusals.py,
tests/test_no_silent_acceptance.py)."""
from __future__ import annotations


def refused(result, *located: str, warnings: bool = True) -> str:
    """Exit 2, no traceback (and, with ``warnings=False``, no Python warning), and each
    ``file:line:col field`` in ``located`` on standard error; the message returned."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert warnings or "Warning" not in result.output
    for where in located:
        assert where in result.stderr, (where, result.stderr)
    return result.stderr
