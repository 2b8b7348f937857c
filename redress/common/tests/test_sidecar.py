import io

import pytest

from redress.common.sidecar import run_every

# The loop closes stale database connections before each pass, as the command does.
pytestmark = pytest.mark.django_db


class Stop(BaseException):
    pass


def test_a_failed_pass_is_written_down_and_the_sidecar_goes_on():
    calls = []

    def one_pass():
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("database away")
        raise Stop  # the test's way out of the loop

    err = io.StringIO()
    with pytest.raises(Stop):
        run_every(one_pass, every=0.01, exit_with_parent=False, name="sweep", stderr=err)
    assert calls == [0, 1]
    assert "sweep failed: RuntimeError('database away')" in err.getvalue()


def test_run_once_a_failed_pass_is_the_commands_failure():
    def one_pass():
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        run_every(one_pass, every=0, exit_with_parent=False, name="sweep", stderr=io.StringIO())
