#!/usr/bin/env python3
"""Generate tests/fixtures/phone_corpus.tsv: the agreement corpus for `phone::parse`.

Ground truth is Google's libphonenumber, through its Python port `phonenumbers`.
The Rust `phonenumber` crate we use is 0.3.10+9.0.33, i.e. it embeds libphonenumber
metadata 9.0.33, so the Python package is PINNED to the same metadata version:

    python3 -m venv /tmp/pn && /tmp/pn/bin/pip install phonenumbers==9.0.33
    /tmp/pn/bin/python crates/missioncall-core/tools/gen_phone_fixture.py

When the crate is upgraded, bump PINNED to the "+x.y.z" part of its version and
regenerate. The output is deterministic (fixed seed, sorted regions).

For every region libphonenumber supports (and every non-geographic calling code),
each example number of each number type is written several ways people type
numbers (E.164, national with its region, international, dashes, dots, brackets,
IDD prefixes such as 00 / 011, tel: URIs with parameters, full-width digits),
and some invalid variants are added (truncated, extended, a wrong region,
a changed digit, random digit strings).

Then NEAR MISSES, for every region and every non-geographic calling code: each
example number's national significant number with one digit added (at the end,
and at a seeded position), one removed (the last, and one at a seeded position)
and one changed (the last, and one at a seeded position), each written in E.164
(no default region) and in national form with its region (national prefix
included when the region's national format has one); a near miss that is valid
is also written in its national format. These are the numbers a loose pattern
match (prefix instead of whole number) wrongly accepts.

The expected columns are whatever libphonenumber says for (input, region):
`is_valid_number(parse(input, region))` and the E.164 form when valid.

Columns: region (empty = no default region), input, expected_valid (true/false),
expected_e164 (empty when invalid), origin (the region, or "001+<code>" for a
non-geographic code, whose example number the row was derived from; only used to
group differences in the test's report).
"""

import os
import random
import sys

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

PINNED = "9.0.33"
SEED = 20240611

TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
]

# Caller regions and the international (IDD) prefix a person there dials.
CALLERS = [
    ("DE", "00"),
    ("FR", "00"),
    ("GB", "00"),
    ("IN", "00"),
    ("US", "011"),
    ("CA", "011"),
    ("JP", "010"),
    ("AU", "0011"),
    ("BR", "0021"),
    ("SG", "001"),
]

FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def expected(text, region):
    try:
        number = phonenumbers.parse(text, region or None)
    except NumberParseException:
        return False, ""
    if phonenumbers.is_valid_number(number):
        return True, phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return False, ""


def bracketed(national):
    """'020 7946 0018' -> '(020) 7946 0018' when the number has groups."""
    if "(" in national or " " not in national:
        return national
    head, _, tail = national.partition(" ")
    return f"({head}) {tail}"


def valid_forms(rng, region, number):
    """The ways a person might type one valid example number."""
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    rfc = phonenumbers.format_number(number, PhoneNumberFormat.RFC3966)
    caller, idd = rng.choice(CALLERS)
    forms = [
        ("", e164),
        ("", intl),
        (region, national),
        (region, national.replace(" ", "-")),
        (region, bracketed(national)),
        (region, "".join(c for c in national if c.isdigit())),
        ("", intl.replace(" ", "-")),
        ("", intl.replace(" ", ".")),
        (caller, idd + " " + intl[1:]),
        (caller, idd + e164[1:]),
        ("", rfc),
        ("", rfc + ";ext=" + str(rng.randint(1, 999))),
        ("", " " + intl + " "),
        (region, e164),
        (rng.choice(CALLERS)[0], intl),
        ("", e164.translate(FULLWIDTH)),
    ]
    if region == "001":
        forms = [(r, t) for r, t in forms if r != "001"]
    return forms


def invalid_forms(rng, region, number):
    """Variants that are usually (not always: the oracle decides) invalid."""
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    cc_len = len(str(number.country_code)) + 1
    forms = [
        ("", e164[: -rng.randint(1, 3)]),
        ("", e164 + str(rng.randint(0, 99))),
    ]
    if len(e164) > cc_len + 1:
        pos = rng.randrange(cc_len, len(e164))
        digit = str((int(e164[pos]) + rng.randint(1, 9)) % 10)
        forms.append(("", e164[:pos] + digit + e164[pos + 1 :]))
    if region != "001":
        forms.append((rng.choice(CALLERS)[0], national))
        forms.append((region, national[:-2]))
    return forms


def near_misses(rng, region, number):
    """One digit added, removed or changed in an example number: (label, region, text)."""
    nsn = phonenumbers.national_significant_number(number)
    cc = str(number.country_code)
    national_digits = "".join(
        c for c in phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL) if c.isdigit()
    )
    # The national prefix ("0" in GB) as the national format writes it, if it simply precedes
    # the national significant number; otherwise (transformed formats) the bare number.
    prefix = national_digits[: -len(nsn)] if national_digits.endswith(nsn) else ""

    def digit_other_than(d):
        return str((int(d) + rng.randint(1, 9)) % 10)

    edits = []
    edits.append(("added", nsn + str(rng.randint(0, 9))))
    pos = rng.randint(0, len(nsn))
    edits.append(("added", nsn[:pos] + str(rng.randint(0, 9)) + nsn[pos:]))
    if len(nsn) > 1:
        edits.append(("removed", nsn[:-1]))
        pos = rng.randrange(len(nsn))
        edits.append(("removed", nsn[:pos] + nsn[pos + 1 :]))
    edits.append(("changed", nsn[:-1] + digit_other_than(nsn[-1])))
    pos = rng.randrange(len(nsn))
    edits.append(("changed", nsn[:pos] + digit_other_than(nsn[pos]) + nsn[pos + 1 :]))

    out = []
    for label, digits in edits:
        out.append((label, "", "+" + cc + digits))
        if region != "001":
            out.append((label, region, prefix + digits))
    return out


def main():
    if phonenumbers.__version__ != PINNED:
        sys.exit(f"need phonenumbers=={PINNED} (metadata of the Rust crate), found {phonenumbers.__version__}")
    rng = random.Random(SEED)
    # Near misses draw from their own generator, so the rows above stay as they were.
    near_rng = random.Random(SEED + 1)
    rows = []
    seen = set()

    def add(region, text, origin):
        if (region, text) in seen or "\t" in text:
            return
        seen.add((region, text))
        valid, e164 = expected(text, region)
        rows.append((region, text, "true" if valid else "false", e164, origin))

    entries = [(r, None) for r in sorted(phonenumbers.SUPPORTED_REGIONS)]
    entries += [("001", cc) for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]
    near = []
    for region, cc in entries:
        origin = region if cc is None else f"001+{cc}"
        examples = []
        if cc is None:
            for kind in TYPES:
                n = phonenumbers.example_number_for_type(region, kind)
                if n is not None and n not in examples:
                    examples.append(n)
        else:
            n = phonenumbers.example_number_for_non_geo_entity(cc)
            if n is not None:
                examples.append(n)
        for n in examples:
            forms = valid_forms(rng, region, n)
            # The plain forms always; a seeded sample of the rest keeps the file small.
            for r, t in forms[:3] + rng.sample(forms[3:], 5):
                add(r, t, origin)
            for r, t in rng.sample(invalid_forms(rng, region, n), 2):
                add(r, t, origin)
            near += [(r, t, origin) for _, r, t in near_misses(near_rng, region, n)]
        if cc is None:
            for _ in range(3):
                digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 13)))
                add(region, digits, origin)
    # Last, so that a near miss that equals a row above keeps that row's origin.
    before = len(rows)
    for r, t, origin in near:
        add(r, t, origin)
        # A near miss that is valid is a number like any other: also as written at home, which
        # does not always read back as the same number (in GA, "06 03 12 34" is +241 06031234,
        # not +241 6031234, for libphonenumber too).
        if not expected(t, r)[0]:
            continue
        number = phonenumbers.parse(t, r or None)
        home = phonenumbers.region_code_for_number(number)
        if home not in (None, "001"):
            add(home, phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL), origin)

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "phone_corpus.tsv")
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# generated by tools/gen_phone_fixture.py (phonenumbers=={PINNED}, seed {SEED}); do not edit\n")
        f.write("region\tinput\texpected_valid\texpected_e164\torigin\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    valid = sum(1 for r in rows if r[2] == "true")
    near_valid = sum(1 for r in rows[before:] if r[2] == "true")
    print(
        f"wrote {len(rows)} rows ({valid} valid; {len(rows) - before} near misses, "
        f"{near_valid} of them valid) to {os.path.normpath(out)}"
    )


if __name__ == "__main__":
    main()
