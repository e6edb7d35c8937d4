"""The code each rule runs: the package modules its adapter imports, directly
or through other modules, worked out from their import statements.

The rules record a digest of each of those modules (and of the files a module
reads, such as its templates) in their params, so that editing a module
reruns exactly the rules whose code reaches it, and a checkout moved to
another folder, or the package installed from an archive, has nothing to
redo: the record names modules, not paths.
"""

import ast
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "optimizer_animations"
PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Files that a module reads as part of its code, relative to the package.
RESOURCES = {
    f"{PACKAGE}.config.check": ("config/config.schema.yaml",),
    f"{PACKAGE}.training.keras_optimizers": ("training/keras_optimizers.json",),
    f"{PACKAGE}.site.pages": ("site/templates/*.html",),
    f"{PACKAGE}.site.player": ("site/static/*",),
}
# Modules that a module runs without importing them: the site's build runs
# sphinx-build, which loads the package's extension from docs/conf.py.
ALSO_RUNS = {f"{PACKAGE}.site.build": (f"{PACKAGE}.site.sphinx",)}


def module_file(module: str) -> Path | None:
    """The source file of a package module or package, None if there is none."""
    if module != PACKAGE and not module.startswith(f"{PACKAGE}."):
        return None
    parts = module.split(".")[1:]
    if not parts:
        return PACKAGE_DIR / "__init__.py"
    relative = Path(*parts)
    for candidate in (
        PACKAGE_DIR / relative.with_suffix(".py"),
        PACKAGE_DIR / relative / "__init__.py",
    ):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(source: str) -> set[str]:
    """The package modules that `source` imports, with the packages that
    importing them runs (their `__init__`)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            # `from package import module` imports the module itself.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        parts = name.split(".")
        found.update(
            prefix
            for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
            if module_file(prefix) is not None
        )
    return found


# Cached for the length of one parse (a process): every rule of an experiment
# asks for the same modules, and parsing them all costs ~60 ms.
@functools.cache
def _imports_of(module: str) -> frozenset[str]:
    source = module_file(module).read_text(encoding="utf-8")
    return frozenset(imported_modules(source)) | frozenset(ALSO_RUNS.get(module, ()))


def code_closure(source: str) -> list[str]:
    """Every package module that code of `source` reaches, sorted."""
    seen: set[str] = set()
    todo = list(imported_modules(source))
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_imports_of(module))
    return sorted(seen)


def _digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def _module_digest(module: str) -> str:
    files = [module_file(module)]
    for pattern in RESOURCES.get(module, ()):
        files += sorted(PACKAGE_DIR.glob(pattern))
    return _digest(files)


def code_digests(source: str) -> dict[str, str]:
    """Module -> digest of its source and resources, for every module that
    code of `source` (a rule's adapter) reaches."""
    return {module: _module_digest(module) for module in code_closure(source)}
