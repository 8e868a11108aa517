"""Run every benchmark module in bench/ in turn (`python -m bench [name ...] [--option ...]`)."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the named benchmarks, or all of them; each module exposes main(argv).

    Options after a single name go to that benchmark: `python -m bench web --quick`.
    """
    here = Path(__file__).parent
    split = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:split], argv[split:]
    if options and len(names) != 1:
        print("options go to one benchmark: python -m bench NAME [--option ...]", file=sys.stderr)
        return 2
    names = names or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    status = 0
    for name in names:
        print(f"=== bench/{name}.py ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        status = max(status, module.main(options) or 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
