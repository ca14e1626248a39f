"""``python -m bench [policy|server|all]`` — see docs/benchmarks.md."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the chosen benchmarks and print Markdown tables."""
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("policy", "all"):
        from . import policy_engine

        print("## Policy engine\n")
        policy_engine.main()
        print()
    if which in ("server", "all"):
        from . import server_bench

        print("## Server\n")
        server_bench.main()
    if which not in ("policy", "server", "all"):
        raise SystemExit("usage: python -m bench [policy|server|all]")


if __name__ == "__main__":
    main()
