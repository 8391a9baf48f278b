"""python -m tooling.installcheck [ROOT] [TARGET...]: check every .PHONY target (or the ones named); exit 1 on a
command that neither the base machine nor the target itself provides."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tooling.installcheck.model import Project
from tooling.installcheck.table import base_packages, exemptions, providers


def main(argv: list[str]) -> int:
    started = time.monotonic()
    root = Path(argv[0]).resolve() if argv else Path.cwd()
    project = Project(root)
    targets = argv[1:] or sorted(t for t in project.makefile.phony if t in project.targets)
    table, base = providers(), base_packages()
    allowed = exemptions()
    problems = [
        p
        for target in targets
        for p in project.check(target, table, base)
        if (p.target, p.command) not in allowed
    ]
    for problem in problems:
        print(f"check-install: make {problem.target}: {problem.command}: {problem.message}", file=sys.stderr)
    print(
        f"check-install: {len(targets)} targets, {len(project.units)} recipes/scripts/functions/tests read, "
        f"{len(problems)} problems ({time.monotonic() - started:.2f} s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
