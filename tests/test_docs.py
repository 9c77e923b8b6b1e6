"""The README documents every setting and every command."""

import re

from loaders.cli import _parser
from loaders.reference import ROOT
from store.settings import ENVIRONMENT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in README]
    assert missing == []


def test_every_command_is_documented():
    verbs = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    missing = [v for v in verbs if f"python -m loaders {v}" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    command = re.search(r"Run the tests.*?```bash\n(.+?)\n```", README, re.S).group(1).strip()
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
