"""The command line: ``python -m helpers.samples generate [--out DIR] [--force]`` and
``python -m helpers.samples list``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from helpers.samples.paths import default_dir, generate, pydicom_examples

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers.samples {generate,list}``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m helpers.samples",
                                     description="Generate the workshop's sample data.")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write the generated samples")
    gen.add_argument("--out", type=Path, default=None,
                     help=f"output folder (default {default_dir()})")
    gen.add_argument("--force", action="store_true", help="rewrite existing files")
    commands.add_parser("list", help="list every sample file")
    args = parser.parse_args(argv)
    if args.command == "generate":
        paths = generate(args.out, force=args.force)
        total = sum(p.stat().st_size for p in paths)
        print(f"{len(paths)} files, {total / 1e6:.1f} MB in {args.out or default_dir()}")
    else:
        for path in [*generate(), *pydicom_examples().values()]:
            print(path)
    return 0
