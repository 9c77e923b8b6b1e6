"""What must never be committed: the secrets file (OpenID Connect client secret, cookie secret)."""

import shutil
import subprocess

from loaders.reference import ROOT


def test_the_secrets_file_is_ignored_by_git() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        assert ".streamlit/secrets.toml" in lines
        return
    answer = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False)
    assert answer.returncode == 0, ".streamlit/secrets.toml is not in .gitignore"

