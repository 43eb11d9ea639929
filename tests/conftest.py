"""Shared by tests/python and tests/rules: pytester runs the pytest plugin's own tests
(tests/python/test_testing.py). Interval assertions come from the public
:mod:`scalemodel.testing`, the helpers users get for their own rules of thumb."""

pytest_plugins = ["pytester"]
