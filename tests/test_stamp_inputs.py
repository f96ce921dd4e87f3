"""A run's stamp covers every file it reads beside a partner's inputs.

The approved open-text answers beside an export, and the participants beside a conversations
CSV, are read by the runs: a change to either must make the runs that read them due. The
expected digests are computed here with hashlib, not by the code under test.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from perspectives.build.plan import FileHasher, data_stamp
from perspectives.study import load_study, repo_root


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_files_beside_the_inputs_are_in_the_stamp(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("respondent_id\n1\n", encoding="utf-8")
    conversations = tmp_path / "talks" / "conversations.csv"
    conversations.parent.mkdir()
    conversations.write_text("participant_id\nP1\n", encoding="utf-8")
    params = {"data_path": str(export), "conversations_path": str(conversations)}
    root = repo_root()
    data, _ = data_stamp(root, load_study(), params, FileHasher())
    assert "approvals_path" not in data and "participants_path" not in data  # none there yet

    approvals = tmp_path / "approved_open_text.csv"
    approvals.write_text("respondent_id,question\n1,training_text\n", encoding="utf-8")
    participants = conversations.parent / "participants.csv"
    participants.write_text("participant_id,country\nP1,MDA\n", encoding="utf-8")
    data, _ = data_stamp(root, load_study(), params, FileHasher())
    assert data["approvals_path"] == _digest(approvals)
    assert data["participants_path"] == _digest(participants)

    participants.write_text("participant_id,country\nP1,ALB\n", encoding="utf-8")
    again, _ = data_stamp(root, load_study(), params, FileHasher())
    assert again["participants_path"] == _digest(participants) != data["participants_path"]
