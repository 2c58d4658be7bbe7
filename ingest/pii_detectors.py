"""PII detectors: each finds candidate spans with a regex and keeps those that validate (Luhn,
mod-97, ipaddress, numbering-plan shapes), so order numbers, dates, amounts and versions stay
readable. Nothing here logs."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator

Span = tuple[int, int]
Finder = Callable[[str], Iterator[Span]]

# ISO 13616 registry: IBAN length per country.
_REGISTRY = (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 "
    "DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 "
    "IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 "
    "MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 "
    "SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
)
IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in _REGISTRY.split(" ")}

_DIGITS = re.compile(r"[0-9]+")
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})[0-9]{2}")
_IBAN_BODY = {
    n: re.compile(rf"[A-Za-z0-9](?:[ -]?[A-Za-z0-9]){{{n - 1}}}(?![A-Za-z0-9])")
    for n in set(IBAN_LENGTHS.values())
}
# The tail of an account number ("DE89 3704 ..."): its digit groups are not cards or phones.
_ACCOUNT_BEFORE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})[0-9]{2}(?:[ -][A-Za-z0-9]{4})*[ -]\Z")
_DIGIT_RUN = re.compile(r"(?<![\w+.,-])[0-9]++(?:[ -][0-9]++)*+")
_SSN = re.compile(
    r"(?<![\w+.,/-])([0-9]{3})([ -])([0-9]{2})\2([0-9]{4})(?![\w-]|[.,/][0-9])"
    r"|(?i:\b(?:ssn|social[ -]security(?:[ -](?:number|num|no))?)\b)[^\w\n]{0,3}"
    r"(?:(?:is|was|of)\s+)?[^\w\n]{0,2}(?<![0-9])([0-9]{3})([0-9]{2})([0-9]{4})(?!\w)"
)
_IPV4 = re.compile(r"(?<![\w.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![\w]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
    r"(?:(?<=:)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?:%[0-9A-Za-z_.]+)?(?![\w:]|\.[0-9])"
)
_VERSION_BEFORE = re.compile(r"(?i)\b(?:version|ver|release|build|firmware|fw)\.?\s*\Z")
_PHONE = re.compile(
    r"(?<![\w#$€£¥+/.,@-])(?<![0-9]:)(?:\+ ?[0-9]{1,4}[ .-]?)?(?:\([0-9]{1,5}\) ?)?"
    r"[0-9]++(?:[ ./-][0-9]++)*+"
)
_LABEL_BEFORE = re.compile(
    r"(?i)\b(?:order|ticket|case|invoice|ref|reference|tracking|sku|serial|part|model|po|"
    r"booking|confirmation|transaction|txn|account|acct)\b"
    r"(?:\s*(?:no\.?|nr\.?|number|num|id|#))?\s*[:#]?\s*\Z"
)
_TAIL_BLOCK = re.compile(r"\w|[.,:][0-9]")  # what may not follow a number: a word, decimals


def _ends_cleanly(text: str, end: int) -> bool:
    return _TAIL_BLOCK.match(text, end) is None


def _in_account_number(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of an IBAN-shaped token (right length, any checksum).

    The token must end within the run or go on in groups of four ("... 0307 PVVM LW4H P67"), so
    that a card after "DE12 " and before a short word is still a card.
    """
    m = _ACCOUNT_BEFORE.search(text, max(0, start - 64), start)
    length = IBAN_LENGTHS.get(m.group(1).upper(), 0) if m else 0
    body = _IBAN_BODY[length].match(text, m.start()) if m and length else None
    return body is not None and (
        body.end() <= end or re.search(r"[A-Za-z0-9]{4}", text[end : body.end()]) is not None
    )


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn check (payment cards, IMEIs)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    """Whether an IBAN (spaces allowed) has its registry length and passes ISO 13616 mod-97."""
    compact = re.sub(r"[ -]", "", value).upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def _emails(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield m.span()


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1).upper())
        body = _IBAN_BODY[length].match(text, m.start()) if length else None
        if body and iban_ok(body.group()):
            yield body.span()


def _cards(text: str) -> Iterator[Span]:
    """Group-aligned windows of digit runs shaped like a card that pass Luhn; overlaps merge."""
    for run in _DIGIT_RUN.finditer(text):
        if _in_account_number(text, run.start(), run.end()):
            continue
        groups = [g.span() for g in _DIGITS.finditer(text, run.start(), run.end())]
        found: list[Span] = []
        for i in range(len(groups)):
            for j in range(i + 1, min(i + 5, len(groups)) + 1):  # 4-4-4-4-3 at most
                window = groups[i:j]
                if j == len(groups) and not _ends_cleanly(text, run.end()):
                    continue
                if _is_card(text, window):
                    found.append((window[0][0], window[-1][1]))
        merged: list[list[int]] = []
        for start, end in sorted(found):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        yield from ((start, end) for start, end in merged)


def _is_card(text: str, groups: list[Span]) -> bool:
    sizes = [end - start for start, end in groups]
    layout = (
        len(sizes) == 1
        or sizes in ([4, 6, 5], [4, 6, 4])
        or (all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4)
    )
    separators = {text[end] for _, end in groups[:-1]}
    digits = "".join(text[start:end] for start, end in groups)
    return (
        layout
        and len(separators) <= 1
        and 13 <= len(digits) <= 19
        and digits[0] != "0"
        and luhn_ok(digits)
    )


def _ssns(text: str) -> Iterator[Span]:
    for m in _SSN.finditer(text):
        dashed = m.group(1) is not None
        area, group, serial = m.group(1, 3, 4) if dashed else m.group(5, 6, 7)
        if area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000":
            yield m.span() if dashed else (m.start(5), m.end(7))


def _ips(text: str) -> Iterator[Span]:
    for m in _IPV6.finditer(text):
        if m.group().strip(":"):
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            yield m.span()
    for m in _IPV4.finditer(text):
        if _VERSION_BEFORE.search(text, max(0, m.start() - 20), m.start()):
            continue
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield m.span()


def _phones(text: str) -> Iterator[Span]:
    for m in _PHONE.finditer(text):
        start = m.start()
        labelled = text[start] not in "+(" and _LABEL_BEFORE.search(text, max(0, start - 40), start)
        if labelled or _in_account_number(text, start, m.end()):
            continue
        span = _phone_in(text, start, [g.span() for g in _DIGITS.finditer(text, start, m.end())])
        if span:
            yield span


def _phone_in(text: str, start: int, groups: list[Span]) -> Span | None:
    """The phone number in a run, which may shed space-separated groups: trailing ones
    ("020 7946 0958 10 times") or leading ones that are short ("room 12 020 7946 0958") or
    before a number with no spaces in it ("1234 415-555-0132"), so that a card-like number that
    fails Luhn ("4539 0123 4567 8901") does not turn into a phone number.
    """
    spaced = [i for i in range(1, len(groups)) if text[groups[i - 1][1]] == " "]
    long_group = next((i for i, (b, e) in enumerate(groups) if e - b > 3), len(groups))
    leading = [i for i in spaced if i <= long_group or i == spaced[-1]]
    for i in [0, *leading]:
        begin = start if i == 0 else groups[i][0]
        for k in range(min(len(groups), i + 15), i, -1):  # 15 digits at most
            end = groups[k - 1][1]
            cut_ok = _ends_cleanly(text, end) if k == len(groups) else text[end] == " "
            if cut_ok and _is_phone(text, begin, groups[i:k]):
                return begin, end
    return None


def _is_phone(text: str, start: int, groups: list[Span]) -> bool:
    sizes = [end - begin for begin, end in groups]
    seps = [text[groups[i][1] : groups[i + 1][0]] for i in range(len(groups) - 1)]
    digits = "".join(text[begin:end] for begin, end in groups)
    n = len(digits)
    international = text[start] == "+" or digits.startswith("00")
    if "/" in "".join(seps) and (seps.count("/") > 1 or international or digits[0] != "0"):
        return False
    for i in range(len(sizes) - 2):  # 2024-03-15, 15.03.2024, 03/15/2024
        a, b, c = sizes[i : i + 3]
        dated = (a == 4 and c <= 2) or (a <= 2 and c == 4)
        if dated and b <= 2 and seps[i] == seps[i + 1] in ("-", ".", "/"):
            return False
    if (len(seps) == 1 and seps[0] in (".", ",")) or (sizes == [5, 4] and seps == ["-"]):
        return False  # a decimal number, a ZIP+4 code
    if sizes == [3, 2, 4] and seps[0] == seps[1]:
        return False  # the shape of an SSN
    if text[start] == "+":
        return 8 <= n <= 15 and digits[0] != "0"
    if digits.startswith("00"):
        return 10 <= n <= 17 and digits[2] != "0"
    if digits.startswith("0"):  # a trunk prefix; run together, 9 digits is more often an id
        return 9 + (len(sizes) == 1) <= n <= 12
    if sizes == [3, 3, 3] and seps[0] == seps[1] in (" ", ".") and digits[0] in "6789":
        return True  # Spanish numbers have no trunk prefix
    return _is_nanp(digits, sizes, seps)


def _is_nanp(digits: str, sizes: list[int], seps: list[str]) -> bool:
    """North American numbers: 415-555-0132, (415) 555-0132, 1-800-555-0199, 555-0132."""
    if len(digits) == 7:
        return sizes == [3, 4] and seps == ["-"] and digits[0] in "23456789"
    if len(digits) == 11 and digits[0] == "1" and sizes in ([11], [1, 3, 3, 4]):
        digits = digits[1:]
    elif len(digits) != 10 or sizes not in ([10], [3, 3, 4]):
        return False
    return digits[0] in "23456789" and digits[3] in "23456789"


BUILTIN: tuple[tuple[str, Finder], ...] = (
    # Emails first (a local part may hold anything); IBANs before cards, whose digit runs they
    # contain; everything before phones, the loosest shape.
    ("EMAIL", _emails),
    ("IBAN", _ibans),
    ("CARD", _cards),
    ("SSN", _ssns),
    ("IP", _ips),
    ("PHONE", _phones),
)
