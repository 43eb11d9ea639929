"""The build backend: scikit-build-core, plus Eigen and Boost headers from the package index
when the system has none (or too old ones).

pyproject.toml names this module with ``backend-path = ["tools/backend"]``. It only adds
build requirements: ``cmeel-eigen`` when no Eigen >= 3.4 is found in the usual include
folders, ``boost-headers`` when no Boost >= 1.74 is. CMakeLists.txt still looks for the
system's copies first and falls back to these packages, so a machine with the -dev
packages downloads nothing extra. ``SCALEMODEL_HEADERS=python`` always uses the packages
(CMake then skips the system's copies); ``SCALEMODEL_HEADERS=system`` never adds them.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from scikit_build_core import build as _build
from scikit_build_core.build import (  # noqa: F401 (the PEP 517 hooks this backend passes on)
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

EIGEN = ("cmeel-eigen>=3.4,<4", (3, 4))
BOOST = ("boost-headers>=1.74", (1, 74))


def _include_dirs() -> list[Path]:
    """Where a compiler or CMake would find headers on this machine."""
    dirs: list[Path] = []
    for var in ("CPATH", "CPLUS_INCLUDE_PATH"):
        dirs += [Path(p) for p in os.environ.get(var, "").split(os.pathsep) if p]
    for var in ("CMAKE_PREFIX_PATH", "CONDA_PREFIX", "HOMEBREW_PREFIX", "VCPKG_INSTALLED_DIR"):
        dirs += [Path(p) / "include" for p in os.environ.get(var, "").split(os.pathsep) if p]
    dirs += [
        Path(p) for p in ("/usr/local/include", "/usr/include", "/opt/homebrew/include", "/opt/local/include")
    ]
    dirs.append(Path(sys.base_prefix) / "include")
    return dirs


def _define(text: str, name: str) -> int | None:
    match = re.search(rf"^\s*#\s*define\s+{name}\s+(\d+)", text, flags=re.M)
    return int(match[1]) if match else None


def eigen_version(include: Path) -> tuple[int, int] | None:
    for macros in (include / "eigen3/Eigen/src/Core/util/Macros.h", include / "Eigen/src/Core/util/Macros.h"):
        if macros.is_file():
            text = macros.read_text(errors="replace")
            world, major = _define(text, "EIGEN_WORLD_VERSION"), _define(text, "EIGEN_MAJOR_VERSION")
            if world is not None and major is not None:
                return world, major
    return None


def boost_version(include: Path) -> tuple[int, int] | None:
    header = include / "boost/version.hpp"
    if header.is_file():
        number = _define(header.read_text(errors="replace"), "BOOST_VERSION")
        if number is not None:
            return number // 100000, number // 100 % 1000
    return None


def header_requirements() -> list[str]:
    """The header packages this machine needs from the package index."""
    mode = os.environ.get("SCALEMODEL_HEADERS", "auto")
    if mode not in ("auto", "python", "system"):
        raise ValueError(f"SCALEMODEL_HEADERS must be auto, python or system, got {mode!r}")
    if mode == "system":
        return []
    needed = []
    for (requirement, minimum), probe in ((EIGEN, eigen_version), (BOOST, boost_version)):
        found = [v for v in map(probe, _include_dirs()) if v is not None and v >= minimum]
        if mode == "python" or not found:
            needed.append(requirement)
    return needed


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    return [*_build.get_requires_for_build_wheel(config_settings), *header_requirements()]


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    return [*_build.get_requires_for_build_editable(config_settings), *header_requirements()]
