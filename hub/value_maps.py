"""Value maps (代码映射): a connector's tables from source codes to values, applied to a field
alone or as a chain (code -> the source's own name -> the canonical value), and the check that
each map of a chain maps every value the one before it gives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ValueMaps = Mapping[str, Mapping[str, str]]  # value map name -> source code -> canonical value


def known_codes(table: Mapping[str, str]) -> str:
    """The first codes of a map, for messages."""
    return ", ".join(sorted(table)[:12]) + (" ..." if len(table) > 12 else "")


def chain_gaps(names: Sequence[str], maps: ValueMaps) -> list[str]:
    """For a chain of value maps: the values of one map that the next does not map (each a
    problem to report), for the maps of the chain that ``maps`` holds."""
    problems: list[str] = []
    for first, second in zip(names, names[1:], strict=False):
        if first not in maps or second not in maps:
            continue
        missing = sorted(set(maps[first].values()) - set(maps[second]))
        if missing:
            shown = ", ".join(repr(v) for v in missing[:8]) + (" ..." if len(missing) > 8 else "")
            problems.append(
                f"value map {second!r} has no code for {shown}, which value map {first!r} gives "
                f"(its codes: {known_codes(maps[second])})"
            )
    return problems
