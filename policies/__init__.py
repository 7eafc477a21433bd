"""The rule book as code: policy versions (parameters with citations) and their rules.

``builtin_registry()`` holds the five versions of the notices; ``registry.with_file(path)``
adds versions from a parameter file (POLICY.md, "Adding a version").
"""

from policies.parameters import Parameters
from policies.registry import PolicyFileError, PolicyRegistry, builtin_registry, load_policy_file
from policies.version import PolicyVersion

__all__ = [
    "Parameters",
    "PolicyFileError",
    "PolicyRegistry",
    "PolicyVersion",
    "builtin_registry",
    "load_policy_file",
]
