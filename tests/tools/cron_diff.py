"""Differential test: herald's cron against Debian's python3-croniter, in
UTC. Random valid expressions (lists, ranges, steps, names, 7 for Sunday)
and random start instants; the next five fires must agree exactly.

Two known differences are left out of the generator:
- cronie (whose semantics herald follows) treats a day-of-month or
  day-of-week field that starts with '*' (such as */2) as unrestricted
  when deciding between AND and OR of the two day fields; croniter treats
  it as restricted. So when one day field is a */n step, the other is '*'.
- croniter 1.3.5 has a bug: when a day-of-month list goes on past the end
  of February (*/6 after the 25th), it skips the first days of March
  (it answers March 7 for "0 0 */6 * *" after February 26; March 1 is
  right, as tests/unit/test_cron.c checks). So when the month field allows
  February, day-of-month values stay within 1-28.

usage: cron_diff.py CRON-NEXT COUNT [SEED]
"""
import datetime
import random
import subprocess
import sys

from croniter import croniter

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
          "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def value(rng, lo, hi, names, name_base):
    v = rng.randint(lo, hi)
    if names and rng.random() < 0.3 and v - name_base < len(names):
        return v, rng.choice([str.upper, str.lower, str.title])(
            names[v - name_base])
    return v, str(v)


def item(rng, lo, hi, names=None, name_base=0):
    kind = rng.random()
    if kind < 0.35:
        return value(rng, lo, hi, names, name_base)[1]
    if kind < 0.65:
        a, sa = value(rng, lo, hi, names, name_base)
        b, sb = value(rng, a, hi, names, name_base)
        s = sa + "-" + sb
        if rng.random() < 0.4:
            s += "/" + str(rng.randint(1, max(1, (hi - lo) // 2)))
        return s
    a, sa = value(rng, lo, hi, None, 0)
    return sa + "-" + str(hi) + "/" + str(rng.randint(1, max(1, hi - lo)))


def field(rng, lo, hi, names=None, name_base=0, star=0.3, steps=True):
    r = rng.random()
    if r < star:
        return "*"
    if r < star + 0.15 and steps:
        return "*/" + str(rng.randint(1, max(1, (hi - lo) // 2)))
    return ",".join(item(rng, lo, hi, names, name_base)
                    for _ in range(rng.randint(1, 3)))


def expression(rng):
    minute = field(rng, 0, 59, star=0.1)
    hour = field(rng, 0, 23)
    month = field(rng, 1, 12, MONTHS, 1, star=0.5)
    months = croniter.expand("0 0 1 %s *" % month)[0][3]
    february = months == ["*"] or 2 in months
    # */n covers 1-31 whatever hi is, so no */n with February either.
    dom = field(rng, 1, 28 if february or rng.random() < 0.5 else 31,
                steps=not february)
    dow = field(rng, 0, 7 if rng.random() < 0.2 else 6, DAYS, 0, star=0.5)
    if dom.startswith("*/") and dow != "*":
        dow = "*"
    if dow.startswith("*/") and dom != "*":
        dom = "*"
    return " ".join([minute, hour, dom, month, dow])


def main():
    tool, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2026)
    cases = []
    lo = int(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
             .timestamp())
    hi = int(datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc)
             .timestamp())
    for _ in range(count):
        cases.append((expression(rng), rng.randint(lo, hi)))
    ours = subprocess.run(
        [tool], input="".join("%s\t%d\n" % c for c in cases),
        capture_output=True, text=True, check=True).stdout.splitlines()
    diffs = 0
    for (expr, start), line in zip(cases, ours):
        it = croniter(expr, datetime.datetime.fromtimestamp(
            start, datetime.timezone.utc))
        try:
            want = " ".join(str(int(it.get_next(float))) for _ in range(5))
        except Exception:
            # croniter gives up on dates that never come (31 in short
            # months only): herald must say "never" (-1) too.
            want = "never"
            if line.split()[-1] == "-1":
                line = want
        if line != want:
            diffs += 1
            if diffs <= 10:
                print("DIFF %r from %d:\n  herald   %s\n  croniter %s"
                      % (expr, start, line, want))
    print("%d expressions, next 5 fires each: %d differences"
          % (len(cases), diffs))
    sys.exit(1 if diffs or len(ours) != len(cases) else 0)


main()
