#!/usr/bin/python3
"""The "static analysis order" peer: where does Jedi put the member the programmer actually typed?

Reads sites as JSON lines (written by `jedi_sample`: path, 0-based line, byte col of the member name,
member, class), cuts each source file at the member's first byte (only the code before the cursor,
as in an editor at `recv.|`), asks Jedi for completions there and records the 1-based rank of the
true member in Jedi's order (0 = not offered). Prints a JSON summary: top-1, top-5, MRR over the
sample, overall and per completion class, plus the time Jedi took.

    /usr/bin/python3 bench/jedi_order.py SITES.jsonl [--out RANKS.jsonl] [--limit N] [--timeout S]

Uses python3-jedi from Debian. Jedi only sees the file itself and the installed packages; project-local
imports that live elsewhere resolve as well as Jedi can from `path`'s directory.
"""
import argparse
import json
import signal
import sys
import time
from collections import defaultdict

import jedi


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def cut_source(source: bytes, line: int, col: int) -> tuple[str, int, int]:
    """Source up to the member's first byte, and Jedi's (1-based line, column in characters)."""
    lines = source.split(b"\n")
    if line >= len(lines):
        raise ValueError("line past the end of the file")
    before = b"\n".join(lines[:line] + [lines[line][:col]])
    text = before.decode("utf-8", errors="replace")
    last = text.rsplit("\n", 1)[-1]
    return text, line + 1, len(last)


def rank_site(site: dict, timeout: float):
    with open(site["path"], "rb") as f:
        source = f.read()
    text, line, col = cut_source(source, site["line"], site["col"])
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        names = [c.name for c in jedi.Script(code=text, path=site["path"]).complete(line, col)]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return (names.index(site["member"]) + 1 if site["member"] in names else 0), len(names)


class Tally:
    def __init__(self):
        self.n = self.top1 = self.top5 = self.misses = 0
        self.rr = 0.0

    def add(self, rank: int):
        self.n += 1
        if rank == 0:
            self.misses += 1
            return
        self.top1 += rank == 1
        self.top5 += rank <= 5
        self.rr += 1.0 / rank

    def json(self):
        n = max(self.n, 1)
        return {"sites": self.n, "top1": self.top1 / n, "top5": self.top5 / n, "mrr": self.rr / n,
                "not_offered": self.misses}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sites", help="JSON lines from jedi_sample")
    ap.add_argument("--out", help="write one JSON line per site with Jedi's rank")
    ap.add_argument("--limit", type=int, default=0, help="only the first N sites")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per completion before it counts as failed")
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, _alarm)

    sites = [json.loads(l) for l in open(args.sites, encoding="utf-8") if l.strip()]
    if args.limit:
        sites = sites[: args.limit]
    overall, by_class = Tally(), defaultdict(Tally)
    # The baselines' ranks on the same sites (jedi_sample ranks them too), for a like-for-like comparison.
    same = {"vocabulary": defaultdict(Tally), "typed": defaultdict(Tally), "jedi_on_typed_sites": Tally()}
    failed = {"unreadable": 0, "timeout": 0, "jedi_error": 0}
    times = []
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    for i, site in enumerate(sites):
        t0 = time.perf_counter()
        try:
            rank, offered = rank_site(site, args.timeout)
        except (OSError, ValueError):
            failed["unreadable"] += 1
            continue
        except Timeout:
            failed["timeout"] += 1
            rank, offered = 0, 0
        except Exception:  # Jedi has internal errors on odd code; the site counts as not offered
            failed["jedi_error"] += 1
            rank, offered = 0, 0
        times.append(time.perf_counter() - t0)
        overall.add(rank)
        for name, r in (site.get("ranks_vocab") or {}).items():
            same["vocabulary"][name].add(r)
        typed = site.get("ranks_typed") or {}
        for name, r in typed.items():
            if r is not None:
                same["typed"][name].add(r)
        if any(r is not None for r in typed.values()):
            same["jedi_on_typed_sites"].add(rank)
        by_class[site.get("class") or "(unknown)"].add(rank)
        if out:
            out.write(json.dumps({**site, "jedi_rank": rank, "jedi_offered": offered}) + "\n")
        if sys.stderr.isatty() and i % 10 == 0:
            print(f"\rjedi {i + 1}/{len(sites)}", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    times.sort()
    largest = sorted(by_class.items(), key=lambda kv: (-kv[1].n, kv[0]))[:20]
    print(json.dumps({
        "jedi_version": jedi.__version__,
        "sites": len(sites),
        "failed": failed,
        "overall": overall.json(),
        "per_class": {k: v.json() for k, v in largest},
        "same_sites": {
            "vocabulary": {k: v.json() for k, v in same["vocabulary"].items()},
            "typed": {k: v.json() for k, v in same["typed"].items()},
            "jedi_on_typed_sites": same["jedi_on_typed_sites"].json(),
        },
        "seconds_per_completion": {"mean": sum(times) / max(len(times), 1),
                                   "median": times[len(times) // 2] if times else 0,
                                   "p95": times[int(len(times) * 0.95)] if times else 0},
    }, indent=2))


if __name__ == "__main__":
    main()
