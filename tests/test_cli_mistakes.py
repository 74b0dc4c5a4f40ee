"""Every command of the project answers a mistake in one line and exit status 2, never a traceback or a page of usage."""

from __future__ import annotations

from bench.reliability import probe_cli_mistakes


def test_every_command_answers_a_mistake_in_one_line(tmp_path):
    result = probe_cli_mistakes(tmp_path)
    assert result['sent'] >= 25 and result['tracebacks'] == 0 and result['not_one_line'] == [], result
