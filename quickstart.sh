#!/usr/bin/env bash
# Sets up what is missing on this machine, then runs one job:
#   bash quickstart.sh demo   plans examples/startup.toml: prints the plan, writes results/startup/
#   bash quickstart.sh test   the whole suite: C++ tests (plain and sanitized), stub check, pytest
# Idempotent: a second run skips the system packages and the install when nothing changed.
set -euo pipefail

job=${1:-}
case "$job" in
  demo | test) ;;
  *) echo "usage: bash quickstart.sh demo|test" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
venv=${SCALEMODEL_VENV:-$root/.venv}
python=${PYTHON:-python3}

# --- 1. system packages (Debian names) ---------------------------------------------
need=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libeigen3-dev libboost-dev libgtest-dev libxxhash-dev libssl-dev haproxy redis-server; do
  have_deb "$pkg" || need+=("$pkg")
done
command -v g++ >/dev/null || need+=(g++)
if ! command -v "$python" >/dev/null; then
  need+=(python3 python3-venv python3-dev)
elif ! "$python" - <<'PY' 2>/dev/null; then
import os, sys, sysconfig, venv, ensurepip
assert sys.version_info >= (3, 9)
assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
PY
  need+=(python3-venv python3-dev)
fi
if ((${#need[@]})); then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "== installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "scalemodel needs these Debian packages (or your system's equivalents): ${need[*]}" >&2
    echo "install them, e.g.: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi

# --- 2. virtual environment and the package ------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating virtual environment $venv"
  "$python" -m venv "$venv"
fi
# shellcheck disable=SC1091
. "$venv/bin/activate"
stamp="$venv/.scalemodel-installed"
digest=$(cat pyproject.toml CMakeLists.txt $(find cpp python -type f -not -name '*.pyc' | sort) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "== installing scalemodel with its extras"
  python -m pip install -q --upgrade pip
  # Build tools in the venv, then an in-place build (incremental under build/).
  python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
  python -m pip install -q --no-build-isolation ".[test,notebooks]"
  echo "$digest" >"$stamp"
fi

export MPLBACKEND=Agg

# --- 3. the job ----------------------------------------------------------------------
if [ "$job" = demo ]; then
  scalemodel plan examples/startup.toml --out results/startup
  exit 0
fi

echo "== C++ tests"
cmake --preset tests >/dev/null
cmake --build --preset tests
ctest --preset tests

echo "== C++ tests under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize
ctest --preset sanitize

echo "== lint and format (ruff)"
ruff check python tests benchmarks tools
ruff format --check python tests benchmarks tools

echo "== type stubs against the compiled module"
python -m mypy.stubtest scalemodel._core

echo "== Python tests, rules of thumb and notebooks"
python -m pytest tests/python tests/rules tests/validation --nbmake notebooks
