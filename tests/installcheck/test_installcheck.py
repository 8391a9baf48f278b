"""`make check-install` (tooling/installcheck): it must catch a target that runs what it does not install -- the
runc case: podman configured for runc while only `cluster-up` installed runc -- and pass on this repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tooling.installcheck import pycalls, shell
from tooling.installcheck.__main__ import main
from tooling.installcheck.model import Project
from tooling.installcheck.table import base_packages, exemptions, providers

REPO = Path(__file__).resolve().parents[2]
LIB = "k8s/local-cluster/lib.sh"
RUNC_INSTALL = 'ensure_pkgs podman buildah uidmap "$CONTAINERS_RUNTIME"'


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The parts of this repository the check reads, to break on purpose."""
    for part in ("Makefile", "mk", "scripts", "k8s/local-cluster", "tests"):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part, ignore=shutil.ignore_patterns("build", "__pycache__"))
        else:
            shutil.copy(source, tmp_path / part)
    return tmp_path


def problems(root: Path, target: str) -> list[str]:
    found = Project(root).check(target, providers(), base_packages())
    return [f"{p.command}: {p.message}" for p in found if (p.target, p.command) not in exemptions()]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_this_repository_passes(capsys):
    assert main([str(REPO)]) == 0
    assert " 0 problems" in capsys.readouterr().out


def test_the_runc_case_is_caught(copy: Path):
    """podman without runc: exactly the issue's `default OCI runtime "runc" not found`."""
    assert problems(copy, "test-images") == []
    edit(copy / LIB, RUNC_INSTALL, "ensure_pkgs podman buildah uidmap")
    found = problems(copy, "test-images")
    assert any(p.startswith("podman: needs runc") for p in found), found
    assert any(p.startswith("buildah: needs runc") for p in found), found
    # cluster-up installs runc itself, and `make test` reaches it: only the tier alone shows the gap
    assert problems(copy, "cluster-up") == []
    assert not any("runc" in p for p in problems(copy, "test"))


def test_an_install_done_by_another_tier_does_not_count(copy: Path):
    (copy / "mk" / "extra.mk").write_text(
        "tier-a:\n\tapt-get install -y wrk\n\ntier-b:\n\twrk -d 1s http://127.0.0.1:1/\n\nboth: tier-a tier-b\n"
    )
    assert problems(copy, "tier-a") == []
    assert problems(copy, "tier-b") == [
        "wrk: needs wrk, which the base machine lacks and neither tier-b nor a prerequisite installs"
    ]
    assert problems(copy, "both") == []


def test_a_shell_function_installs_only_where_it_is_called(copy: Path):
    """install-helm sources lib.sh but never calls ensure_podman: podman is not installed by it."""
    (copy / "mk" / "extra.mk").write_text(
        "uses-podman:\n\t$(CURDIR)/k8s/local-cluster/install-helm\n\tpodman ps\n"
    )
    assert problems(copy, "uses-podman") == [
        "podman: needs podman, which the base machine lacks and neither uses-podman nor a prerequisite installs",
        "podman: needs runc, which the base machine lacks and neither uses-podman nor a prerequisite installs",
    ]


def test_an_unknown_command_must_be_declared(copy: Path):
    (copy / "mk" / "extra.mk").write_text("new-tool:\n\tfrobnicate --all\n")
    assert problems(copy, "new-tool") == ["frobnicate: unknown command: say in commands.tsv what provides it"]


def test_the_table_names_the_runtime_containers_conf_configures():
    """lib.sh's CONTAINERS_RUNTIME (written into containers.conf) is what podman and buildah are said to need."""
    runtime = shell.parse_script((REPO / LIB).read_text()).top.scalars["CONTAINERS_RUNTIME"]
    assert runtime == "runc"
    assert runtime in providers()["podman"]
    assert runtime in providers()["buildah"]


def test_the_shell_reader_finds_commands_not_data():
    text = shell.parse(
        """
# a comment naming notacommand
cat > /etc/x.conf <<'END'
runtime = "heredoc-body"
END
echo "$(realcmd --flag)" | sort  # trailing comment
case $1 in
  pattern-one) first ;;
  -h|--help) second ;;
esac
CTR=(ctr -a sock)
if ! grep -q x <(procsub); then :; fi
"""
    )
    programs = {c[0] for c in text.commands}
    assert {"cat", "echo", "realcmd", "sort", "first", "second", "grep", "procsub"} <= programs
    assert not programs & {"notacommand", "runtime", "pattern-one", "-h", "--help", "esac", "ctr"}
    assert text.arrays["CTR"] == [["ctr", "-a", "sock"]]


def test_python_tests_shell_outs_are_found(tmp_path: Path):
    source = tmp_path / "t.py"
    source.write_text(
        "import shutil, subprocess\n"
        "P = shutil.which('podman')\n"
        "subprocess.run(['psql', '-c', 'select 1'])\n"
        "run([*('wrk', '-t', '2'), 'url'])\n"
        "subprocess.run([P, 'ps'])\n"
    )
    assert pycalls.commands(source) == {"podman", "psql", "wrk"}
