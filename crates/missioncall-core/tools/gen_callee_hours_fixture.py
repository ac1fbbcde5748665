#!/usr/bin/env python3
"""Generate tests/fixtures/callee_hours.json: calling-hours decisions worked out independently.

The Rust side (`callee_time`) uses our generated prefix table, our reading of which numbers are
tied to a place, chrono-tz's compiled rules and a search over candidate instants. This script
uses none of that: libphonenumber's own `time_zones_for_number` (Python port, PINNED to the
version the table was generated from), the system's IANA database through `zoneinfo`, and a
plain scan. `tests/callee_hours.rs` checks every case; the fixture is checked in, so the test
needs no Python.

    python3 -m venv /tmp/pn-tz && /tmp/pn-tz/bin/pip install phonenumbers==9.0.43
    /tmp/pn-tz/bin/python crates/missioncall-core/tools/gen_callee_hours_fixture.py

Deterministic: a fixed seed, sorted inputs, no clock (the same tzdata gives the same bytes).

The rules, as the issue states them:
  * zones: libphonenumber's; "Etc/Unknown" means none.
  * unknown local time: no zone, or the zones' UTC offsets at that instant are more than
    3 hours apart.
  * open at an instant: in EVERY zone, the local weekday is one of the hours' days and
    start <= local time < end.
  * next_allowed: the earliest instant >= now, up to now + 8 days, that is open. Every window
    start here is on a 15-minute grid, and so is every UTC offset and clock change in the years
    used (checked), so the earliest open instant is `now` or a point of the 15-minute UTC grid:
    the scan tries exactly those.

Layout: `hours` (the settings used), `zone_sets` (each distinct list of zones), and `cases`,
one array per case with the `columns`: e164, now (UTC), hours (index), zones (index into zone_sets), verdict (allowed, outside,
no_common_window, unknown), offsets (each zone's UTC offset in minutes at `now`, null when
unknown), next_allowed (UTC, only when outside).

Cases: seeded random numbers (example numbers of every region and type, random numbers under
the prefixes of the time-zone data, with all the multi-zone prefixes), seeded random instants
in 2024-2029, a third of them within hours of a clock change of one of the number's zones and
some a few minutes around a window's start or end, and several calling-hours settings (the
default, office hours, weekends, windows that start in a skipped hour or end in a repeated one,
a window too short to be open in zones an hour apart).
"""

import json
import os
import random
import sys
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

PINNED = "9.0.43"
SEED = 20250309
CASES = 3000
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "callee_hours.json")
GRID = timedelta(minutes=15)
HORIZON = timedelta(days=8)
MAX_SPREAD = timedelta(hours=3)
UTC = timezone.utc
FIRST_YEAR, LAST_YEAR = 2024, 2029

COLUMNS = ["e164", "now", "hours", "zones", "verdict", "offsets", "next_allowed"]
ALL = [True] * 7
HOURS = [
    {"days": ALL, "start": "08:00", "end": "21:00"},
    {"days": [True] * 5 + [False] * 2, "start": "09:00", "end": "17:00"},
    {"days": [False] * 5 + [True] * 2, "start": "10:00", "end": "16:00"},
    {"days": ALL, "start": "02:30", "end": "05:00"},
    {"days": [True, False, True, False, True, False, True], "start": "01:15", "end": "02:45"},
    {"days": ALL, "start": "08:00", "end": "08:45"},
    {"days": [False, True, True, True, True, True, False], "start": "00:00", "end": "01:30"},
]


def random_hours(rng):
    start = rng.randrange(0, 95)
    end = rng.randrange(start + 1, 96)
    days = [rng.random() < 0.6 for _ in range(7)]
    days[rng.randrange(7)] = True
    fmt = lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}"
    return {"days": days, "start": fmt(start), "end": fmt(end)}


def parse_hm(s):
    h, m = s.split(":")
    return time(int(h), int(m))


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_open(hours, zones, t):
    start, end = parse_hm(hours["start"]), parse_hm(hours["end"])
    for z in zones:
        local = t.astimezone(z)
        if not (hours["days"][local.weekday()] and start <= local.time().replace(tzinfo=None) < end):
            return False
    return True


def expected(hours, zone_names, now):
    if not zone_names:
        return {"verdict": "unknown", "offsets": None, "next_allowed": None}
    zones = [ZoneInfo(n) for n in zone_names]
    offsets = [int(now.astimezone(z).utcoffset().total_seconds()) // 60 for z in zones]
    for o in offsets:
        assert o % 15 == 0, (zone_names, now, o)
    if max(offsets) - min(offsets) > MAX_SPREAD.total_seconds() // 60:
        return {"verdict": "unknown", "offsets": None, "next_allowed": None}
    if is_open(hours, zones, now):
        return {"verdict": "allowed", "offsets": offsets, "next_allowed": None}
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    steps = (now - epoch) // GRID + 1
    t = epoch + steps * GRID
    while t <= now + HORIZON:
        if is_open(hours, zones, t):
            return {"verdict": "outside", "offsets": offsets, "next_allowed": iso(t)}
        t += GRID
    return {"verdict": "no_common_window", "offsets": offsets, "next_allowed": None}


_changes = {}


def clock_changes(name):
    """Every instant in FIRST_YEAR..LAST_YEAR when `name`'s UTC offset changes (hourly scan,
    then to the minute)."""
    if name in _changes:
        return _changes[name]
    z = ZoneInfo(name)
    off = lambda t: t.astimezone(z).utcoffset()
    out = []
    t = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    prev = off(t)
    while t < end:
        nxt = t + timedelta(hours=1)
        cur = off(nxt)
        if cur != prev:
            m = t
            while off(m) == prev:
                m += timedelta(minutes=1)
            assert (m - datetime(1970, 1, 1, tzinfo=UTC)) % GRID == timedelta(0), (name, m)
            out.append(m)
        prev, t = cur, nxt
    _changes[name] = out
    return out


def numbers(rng):
    import phonenumbers as pn
    from phonenumbers.tzdata import TIMEZONE_DATA

    seen = set()
    out = []

    def add(num):
        if num is None or not pn.is_valid_number(num):
            return False
        e164 = pn.format_number(num, pn.PhoneNumberFormat.E164)
        if e164 not in seen:
            seen.add(e164)
            out.append(e164)
        return True

    types = [
        pn.PhoneNumberType.FIXED_LINE,
        pn.PhoneNumberType.MOBILE,
        pn.PhoneNumberType.TOLL_FREE,
        pn.PhoneNumberType.PREMIUM_RATE,
        pn.PhoneNumberType.VOIP,
    ]
    for region in sorted(pn.SUPPORTED_REGIONS):
        for kind in types:
            add(pn.example_number_for_type(region, kind))
    for code in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        add(pn.example_number_for_non_geo_entity(code))

    prefixes = sorted(TIMEZONE_DATA)
    multi = [p for p in prefixes if len(TIMEZONE_DATA[p]) > 1 and len(p) > 3]
    picks = multi + rng.sample(prefixes, 1200)
    for prefix in picks:
        for _ in range(12):
            digits = prefix + "".join(rng.choice("0123456789") for _ in range(rng.randrange(0, 9)))
            try:
                num = pn.parse("+" + digits, None)
            except pn.NumberParseException:
                continue
            if add(num):
                break
    return out


def main():
    import phonenumbers as pn
    from phonenumbers.timezone import time_zones_for_number

    if pn.__version__ != PINNED:
        sys.exit(f"phonenumbers {pn.__version__} found; this fixture is pinned to {PINNED}")
    rng = random.Random(SEED)
    hours_list = HOURS + [random_hours(rng) for _ in range(5)]
    nums = numbers(rng)
    zones_of = {}
    for e164 in nums:
        names = [z for z in time_zones_for_number(pn.parse(e164, None)) if z != "Etc/Unknown"]
        zones_of[e164] = names
    first = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    span = int((datetime(LAST_YEAR, 12, 20, tzinfo=UTC) - first).total_seconds())

    zone_sets = []

    def zone_set(names):
        if names not in zone_sets:
            zone_sets.append(names)
        return zone_sets.index(names)

    cases = []
    for _ in range(CASES):
        e164 = rng.choice(nums)
        names = zones_of[e164]
        h = rng.randrange(len(hours_list))
        hours = hours_list[h]
        how = rng.random()
        now = first + timedelta(seconds=rng.randrange(span))
        if names and how < 0.35:
            changes = clock_changes(rng.choice(names))
            if changes:
                now = rng.choice(changes) + timedelta(seconds=rng.randrange(-36 * 3600, 6 * 3600))
        elif names and how < 0.5:
            z = ZoneInfo(rng.choice(names))
            local = now.astimezone(z)
            edge = parse_hm(rng.choice([hours["start"], hours["end"]]))
            wall = datetime.combine(local.date(), edge)
            now = wall.replace(tzinfo=z).astimezone(UTC) + timedelta(minutes=rng.randrange(-3, 3))
        if rng.random() < 0.3:
            now = now.replace(second=rng.randrange(60))
        else:
            now = now.replace(second=0)
        case = {"e164": e164, "now": iso(now), "hours": h, "zones": zone_set(names)}
        case.update(expected(hours, names, now))
        cases.append(case)

    verdicts = {}
    for c in cases:
        verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
    tzdata = "unknown"
    try:
        with open("/usr/share/zoneinfo/tzdata.zi", encoding="utf-8") as f:
            tzdata = f.readline().split()[-1]
    except OSError:
        pass
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("{\n")
        f.write(f' "generated_by": "crates/missioncall-core/tools/gen_callee_hours_fixture.py",\n')
        f.write(f' "phonenumbers": "{PINNED}",\n "tzdata": "{tzdata}",\n "seed": {SEED},\n')
        f.write(' "hours": [\n  ' + ",\n  ".join(json.dumps(x) for x in hours_list) + "\n ],\n")
        f.write(' "zone_sets": [\n  ' + ",\n  ".join(json.dumps(x) for x in zone_sets) + "\n ],\n")
        f.write(f' "columns": {json.dumps(COLUMNS)},\n')
        rows = [json.dumps([c[k] for k in COLUMNS], separators=(",", ":")) for c in cases]
        f.write(' "cases": [\n  ' + ",\n  ".join(rows) + "\n ]\n}\n")
    print(f"{len(nums)} numbers, {len(cases)} cases {verdicts}, tzdata {tzdata} -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
