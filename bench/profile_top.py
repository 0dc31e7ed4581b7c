"""Where sampled time went, from py-spy's collapsed stacks (`py-spy record --format raw`).

    python bench/profile_top.py profile.txt [--top 25] > profile-top.md

Prints two markdown tables: the functions holding the most samples on top of the stack (their
own time), and the project's functions found anywhere on the stack (time spent in them and
what they called). A line of raw output is `frame;frame;...;frame count`, outermost first."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# py-spy names a frame "function (path/to/file.py:line)"; the line varies within a function.
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>[^()]*?)(?::\d+)?\)$")
_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_APPS = tuple(
    f"{app}/"
    for app in ("community", "forums", "members", "library", "polls", "metrics", "plans", "search")
)


def _function(frame: str) -> str:
    """ "name (file)", the file relative to the project or to site-packages."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["path"].removeprefix(_ROOT)
    for marker in ("site-packages/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['function']} ({path})"


def _is_project(function: str) -> bool:
    return function.rpartition(" (")[2].startswith(_APPS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    with open(args.raw) as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            samples = int(count)
            frames = [_function(frame) for frame in stack.split(";")]
            # py-spy starts each stack with the process ("process 123:\"...\"").
            frames = [frame for frame in frames if not frame.startswith("process ")]
            if not frames:
                continue
            total += samples
            own[frames[-1]] += samples
            for function in set(frames):
                if _is_project(function):
                    inclusive[function] += samples
    print(f"{total:,} samples\n")
    print("| own time | function |\n| ---: | --- |")
    for function, samples in own.most_common(args.top):
        print(f"| {100 * samples / total:.1f} % | `{function}` |")
    print("\n| with callees | Hearth's function |\n| ---: | --- |")
    for function, samples in inclusive.most_common(args.top):
        print(f"| {100 * samples / total:.1f} % | `{function}` |")


if __name__ == "__main__":
    main()
