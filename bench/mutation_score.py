"""Print the mutation score of each mutated module, from the results `mutmut run` left in mutants/.

    python3 ./dev.py mutate            # runs mutmut, then this
    .venv/bin/python bench/mutation_score.py [--survivors]

A mutant counts as killed when a test failed (or timed out) with it in place. Survivors that
docs/mutation.md lists as equivalent (the code means the same; only internal wording changes)
are counted apart: `score` is killed / (all - equivalent). Target: at least 90 % per module.
Prints figures only; it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "docs" / "mutation.md"
KILLED_CODES = {1, 3, 24, -24, 36, 37, 152, 255}  # mutmut's "killed", "timeout", "caught by type check"
_LISTED = re.compile(r"^\|\s*`([^`]+__mutmut_\d+)`\s*\|")


def equivalent_mutants() -> set[str]:
    """Mutant names docs/mutation.md lists (a table row starting with the name in backticks)."""
    if not EQUIVALENTS.exists():
        return set()
    return {match.group(1) for line in EQUIVALENTS.read_text().splitlines() if (match := _LISTED.match(line))}


def module_results() -> dict[str, dict[str, int | None]]:
    """{module path: {mutant name: exit code}} for every module mutmut mutated."""
    results = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        module = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        results[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return results


def report(show_survivors: bool) -> None:
    if not MUTANTS.exists():
        print("no mutants/ folder: run python3 ./dev.py mutate first")
        return
    equivalent = equivalent_mutants()
    print(f"{'module':32} {'mutants':>8} {'killed':>7} {'equivalent':>10} {'survived':>8} {'score':>7}")
    for module, codes in module_results().items():
        unchecked = sum(code is None for code in codes.values())
        if unchecked:
            print(f"{module:32} {len(codes):8d}  {unchecked} not checked: the mutmut run did not finish "
                  "(see its output), so there is no score")
            continue
        killed = sum(code in KILLED_CODES for code in codes.values())
        same = sum(name in equivalent and codes[name] not in KILLED_CODES for name in codes)
        survivors = sorted(name for name, code in codes.items() if code not in KILLED_CODES and name not in equivalent)
        counted = len(codes) - same
        score = 100.0 * killed / counted if counted else 100.0
        print(f"{module:32} {len(codes):8d} {killed:7d} {same:10d} {len(survivors):8d} {score:6.1f}%")
        if show_survivors:
            for name in survivors:
                print(f"    survived: {name} (exit code {codes[name]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", action="store_true", help="list the survivors not judged equivalent")
    report(parser.parse_args().survivors)


if __name__ == "__main__":
    main()
