"""`make cluster` on a machine without the system packages: one clear line, nothing started."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_missing_packages_are_named_with_the_apt_get_line(tmp_path):
    bin_dir = tmp_path / "bin"  # a PATH with the basic tools but no nginx and no redis-server
    bin_dir.mkdir()
    for tool in ("bash", "ls", "sort", "tail", "dirname", "mkdir", "cat", "id", "seq"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "CLUSTER_DIR": str(tmp_path / "cluster"), "HOME": str(tmp_path)}
    result = subprocess.run([str(bin_dir / "bash"), "scripts/cluster.sh"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "nginx" in lines[0] and "redis-server" in lines[0]
    assert "apt-get install -y" in lines[0]
    assert not any(name.endswith(".pid") for name in os.listdir(tmp_path / "cluster"))


def test_the_skip_summary_names_the_install_command(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "scripts/skipped.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0
    assert "PostgreSQL suite" in result.stdout  # TEST_DATABASE_URL is not in env
    with_pg = subprocess.run(["bash", "scripts/skipped.sh"], cwd=ROOT, capture_output=True, text=True,
                             env={**env, "TEST_DATABASE_URL": "postgresql://x"})
    assert "PostgreSQL suite" not in with_pg.stdout
