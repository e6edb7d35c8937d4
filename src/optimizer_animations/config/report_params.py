"""Rule params that Snakemake's report can show without running them.

`snakemake --report` writes each result's job params into a `<script>` of
report.html as `str(value)` inside a JSON string, and JSON leaves `</script>`
as it is: a CSV column or a formula from a stranger's config could close the
script and open another. A param wrapped by `report_safe` shows (and is
recorded for Snakemake's rerun check) as its usual text with `<`, `>` and `&`
written as Python escapes, `\\x3c` and so on, which mean the same characters
in a repr and nothing to an HTML parser. The job itself gets the plain value
back: pickled for a script, the wrapper becomes its value.

Imported while the Snakefile parses: standard library only.
"""

import copy
from typing import Any

_ESCAPES = str.maketrans({"<": "\\x3c", ">": "\\x3e", "&": "\\x26"})


def escape_markup(text: str) -> str:
    """`text` with no character that starts HTML markup or a character reference."""
    return text.translate(_ESCAPES)


class ReportSafe(tuple):
    """One param value, shown escaped. A tuple so that Snakemake neither
    formats its strings with wildcards (it does a list's and a str's) nor
    drops it from the params it compares between runs (it keeps built-in
    types only, by their repr)."""

    __slots__ = ()

    def __new__(cls, value: Any) -> "ReportSafe":
        return super().__new__(cls, (value,))

    @property
    def value(self) -> Any:
        return self[0]

    def __repr__(self) -> str:
        # The same as repr(value) unless it holds markup: recorded params of
        # earlier runs still match, so wrapping reruns nothing.
        return escape_markup(repr(self[0]))

    def __str__(self) -> str:
        return escape_markup(str(self[0]))

    def __format__(self, spec: str) -> str:
        return escape_markup(format(self[0], spec))

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return copy.copy, (self[0],)


def report_safe(**params: Any) -> dict[str, Any]:
    """A rule's params, each shown escaped in the report (see the module)."""
    return {name: ReportSafe(value) for name, value in params.items()}
