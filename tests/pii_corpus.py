"""A seeded corpus of support tickets, emails and call transcripts with planted PII and look-alikes.

Every planted value is valid for its type (cards pass Luhn, IBANs pass mod-97, computed here
independently of ingest.pii); every look-alike is something a redactor must leave alone.
"""

from __future__ import annotations

import ipaddress
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casebook.interactions import Interaction, Turn

TYPES = ("EMAIL", "PHONE", "CARD", "IBAN", "SSN", "IP")

FIRST = ["ada", "grace", "alan", "linus", "margaret", "tim", "barbara", "ken", "radia", "dennis"]
LAST = ["lovelace", "hopper", "turing", "torvalds", "hamilton", "berners-lee", "liskov", "thompson"]
DOMAINS = ["example.com", "mail.example.org", "contoso.co.uk", "fabrikam.de", "example.net"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]

# (brand, prefixes, lengths)
CARD_BRANDS: list[tuple[str, list[str], list[int]]] = [
    ("visa", ["4"], [16, 16, 13, 19]),
    ("mastercard", ["51", "52", "53", "54", "55", "2221", "2720"], [16]),
    ("amex", ["34", "37"], [15]),
    ("discover", ["6011", "65"], [16]),
    ("diners", ["36", "300", "305"], [14]),
    ("jcb", ["3528", "3589"], [16]),
    ("unionpay", ["62"], [16, 19]),
    ("maestro", ["5018", "6759"], [16]),
]

# country -> BBAN layout: n digits, a uppercase letters, c uppercase alphanumerics
IBAN_LAYOUTS = {
    "DE": "18n",
    "GB": "4a,14n",
    "FR": "10n,11c,2n",
    "NL": "4a,10n",
    "ES": "20n",
    "IT": "1a,10n,12c",
    "BE": "12n",
    "CH": "5n,12c",
    "AT": "16n",
    "PL": "24n",
    "NO": "11n",
    "IE": "4a,14n",
}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def luhn_check_digit(body: str) -> str:
    """The digit that makes body + digit pass the Luhn check."""
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char) * (1 if i % 2 else 2)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _group(value: str, sizes: list[int], sep: str) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(value[at : at + size])
        at += size
    if at < len(value):
        parts.append(value[at:])
    return sep.join(p for p in parts if p)


def card_number(rng: random.Random, valid: bool = True) -> str:
    """A card number of a random brand in a random layout (compact, spaced, dashed)."""
    _, prefixes, lengths = rng.choice(CARD_BRANDS)
    prefix, length = rng.choice(prefixes), rng.choice(lengths)
    if not valid:  # only layouts whose group-aligned parts are too short to be cards themselves
        length = 15 if prefix in ("34", "37") else 16
    body = prefix + _digits(rng, length - len(prefix) - 1)
    check = luhn_check_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    number = body + check
    sizes = [4, 6, 5] if length == 15 else [4, 6, 4] if length == 14 else [4, 4, 4, 4, 4]
    return rng.choice([number, _group(number, sizes, " "), _group(number, sizes, "-")])


def _iban_numeric(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text))


def iban(rng: random.Random, valid: bool = True, country: str | None = None) -> str:
    """An IBAN with computed check digits (or deliberately wrong ones), compact or spaced."""
    country = country or rng.choice(sorted(IBAN_LAYOUTS))
    bban = ""
    for part in IBAN_LAYOUTS[country].split(","):
        n, kind = int(part[:-1]), part[-1]
        alphabet = {"n": string.digits, "a": string.ascii_uppercase}.get(
            kind, string.digits + string.ascii_uppercase
        )
        bban += "".join(rng.choice(alphabet) for _ in range(n))
    check = 98 - _iban_numeric(bban + country + "00") % 97
    if not valid:
        check = rng.choice([c for c in range(2, 99) if c != check])
    value = f"{country}{check:02d}{bban}"
    assert (_iban_numeric(value[4:] + value[:4]) % 97 == 1) == valid
    return rng.choice([value, _group(value, [4] * 9, " ")])


def email(rng: random.Random) -> str:
    first, last, domain = rng.choice(FIRST), rng.choice(LAST), rng.choice(DOMAINS)
    forms = [
        f"{first}.{last}@{domain}",
        f"{first[0]}{last}{rng.randint(1, 99)}@{domain}",
        f"{first}+{rng.choice(['support', 'billing', 'x'])}@{domain}",
        f"{first}_{last}@eu.{domain}",
        f"{first.capitalize()}.{last.capitalize()}@{domain.upper()}",
    ]
    return rng.choice(forms)


def phone(rng: random.Random) -> str:
    """A phone number in one of several national or international formats."""
    d = lambda n: _digits(rng, n)  # noqa: E731
    area, exchange, line = str(rng.randint(2, 9)) + d(2), str(rng.randint(2, 9)) + d(2), d(4)
    nz = str(rng.randint(1, 9))
    forms: list[Callable[[], str]] = [
        lambda: f"+1 {area} {exchange} {line}",
        lambda: f"+1-{area}-{exchange}-{line}",
        lambda: f"({area}) {exchange}-{line}",
        lambda: f"{area}-{exchange}-{line}",
        lambda: f"{area}.{exchange}.{line}",
        lambda: f"1-800-{exchange}-{line}",
        lambda: f"{exchange}-{line}",
        lambda: f"+44 20 {d(4)} {d(4)}",
        lambda: f"+44 (0)20 {d(4)} {d(4)}",
        lambda: f"020 {d(4)} {d(4)}",
        lambda: f"07{d(3)} {d(6)}",
        lambda: f"0044 20 {d(4)} {d(4)}",
        lambda: f"+49 30 {nz}{d(7)}",
        lambda: f"030 {nz}{d(7)}",
        lambda: f"0151 {nz}{d(7)}",
        lambda: f"030/{nz}{d(6)}",
        lambda: f"+4915{d(9)}",
        lambda: f"+33 {nz} {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"0{nz} {d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"0{nz}.{d(2)}.{d(2)}.{d(2)}.{d(2)}",
        lambda: f"+31 20 {d(3)} {d(4)}",
        lambda: f"020-{nz}{d(6)}",
        lambda: f"06-{nz}{d(7)}",
        lambda: f"+34 912 {d(3)} {d(3)}",
        lambda: f"6{d(2)} {d(3)} {d(3)}",
        lambda: f"+39 06 {d(4)} {d(4)}",
    ]
    return rng.choice(forms)()


def ssn(rng: random.Random) -> tuple[str, bool]:
    """A valid SSN and whether it is a bare 9-digit run (which needs "SSN" just before it)."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    parts = f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"
    form = rng.randrange(3)
    return ("".join(parts) if form == 2 else (" ", "-")[form].join(parts)), form == 2


def ip(rng: random.Random) -> str:
    if rng.random() < 0.6:
        first = rng.choice([10, 172, 192, 81, 203, 8])
        return str(ipaddress.IPv4Address((first << 24) + rng.randrange(1 << 24)))
    address = ipaddress.IPv6Address((0x20010DB8 << 96) + rng.randrange(1 << 64))
    return rng.choice([address.compressed, address.exploded, f"fe80::{rng.randrange(1, 9999):x}"])


PLANT_SENTENCES = {
    "EMAIL": [
        "Please send the invoice to {v} from now on.",
        "My new address is {v}",
        "cc {v} on any replies.",
    ],
    "PHONE": [
        "Please call me back on {v}.",
        "My mobile is {v}, any time after lunch.",
        "You can reach me at {v}",
    ],
    "CARD": [
        "I was charged twice on card {v}.",
        "Card number: {v}, expiry 09/27.",
        "The payment on {v} bounced",
    ],
    "IBAN": [
        "Please refund to IBAN {v}.",
        "Our bank details: {v} (current account).",
        "Transfer the credit to {v} please",
    ],
    "SSN": [
        "For the credit check my SSN is {v}.",
        "SSN: {v}",
        "social security number {v} as requested",
    ],
    "IP": [
        "The router's WAN address is {v}.",
        "We saw logins from {v} overnight.",
        "Gateway {v} keeps dropping the connection",
    ],
}
BARE_SSN_SENTENCES = ["For the credit check my SSN is {v}.", "SSN: {v}", "SSN {v} as requested"]
IP_PORT_SENTENCES = [
    "The admin page at {v}:8443 times out.",
    "The admin page at [{v}]:8443 times out.",
]


def lookalike(rng: random.Random) -> tuple[str, str]:
    """A value that is not PII, and a sentence holding it."""
    y, m, day = rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28)
    cents, whole = rng.randint(0, 99), rng.randint(1000, 99999)
    kinds: list[tuple[str, str]] = [
        (f"LH-{rng.randint(100000, 999999)}", "Order {x} arrived damaged."),
        (f"#{rng.randint(10000, 99999)}", "Re: order {x}, still waiting."),
        (f"ORD-{y}-{rng.randint(1, 9999):04d}", "Your order {x} has shipped."),
        (f"ZD-{rng.randint(10000, 99999)}", "This follows up on {x}."),
        (f"INC{rng.randint(0, 9999999):07d}", "Linked incident {x} is resolved."),
        (f"{y}-{m:02d}-{day:02d}", "It was delivered on {x}."),
        (f"{day:02d}/{m:02d}/{y}", "The warranty started {x}."),
        (f"{MONTHS[m % 8]} {day}, {y}", "I bought it on {x} in store."),
        (f"{day:02d}.{m:02d}.{y}", "Rechnung vom {x} anbei."),
        (
            f"{rng.randint(0, 23):02d}:{rng.choice([0, 15, 30, 45]):02d}",
            "The technician came at {x}.",
        ),
        (f"${whole:,}.{cents:02d}", "I was charged {x} instead of the quote."),
        (f"EUR {rng.randint(10, 999)}.{cents:02d}", "The refund of {x} is pending."),
        (f"{whole:,}".replace(",", ".") + f",{cents:02d} €", "Betrag: {x} wurde abgebucht."),
        (
            f"{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
            "The app shows {x} now.",
        ),
        ("1.2.3.4.5", "Release 1.2.3.4.5 broke the sync."),
        (ups_tracking(rng), "Tracking number {x} shows no movement."),
        (f"{rng.randint(10000, 99999)}", "Ship to ZIP {x} please."),
        (f"{rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}", "The postcode is {x}."),
        (card_number(rng, valid=False), "The voucher code {x} was rejected."),
        (iban(rng, valid=False), "The form refused {x} as an invalid IBAN."),
    ]
    return rng.choice(kinds)


def ups_tracking(rng: random.Random) -> str:
    alnum = string.ascii_uppercase + string.digits
    return "1Z" + "".join(rng.choice(alnum) for _ in range(6)) + _digits(rng, 10)


FILLER = [
    "Hi team, I hope you can help.",
    "The thermostat stopped responding after the update.",
    "I have already tried restarting it twice.",
    "Thanks for getting back to me so quickly.",
    "The screen shows a blinking orange light.",
    "Could you let me know what the next steps are?",
    "We are escalating this to the billing team.",
    "I have attached a photo of the error message.",
]


@dataclass(frozen=True)
class Document:
    """One generated document: a ticket dict, or the text of an email or call transcript."""

    doc_id: str
    kind: str  # "ticket", "email" or "transcript"
    content: dict[str, Any] | str
    planted: tuple[tuple[str, str], ...]  # (type, value) of every PII value in it
    lookalikes: tuple[str, ...]  # values that must survive redaction verbatim


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]

    @property
    def truth(self) -> list[tuple[str, str]]:
        return [item for doc in self.documents for item in doc.planted]

    @property
    def lookalikes(self) -> list[str]:
        return [value for doc in self.documents for value in doc.lookalikes]


def _plant(kind: str, rng: random.Random) -> tuple[str, str]:
    """A valid value of a type and a sentence carrying it."""
    if kind == "SSN":
        value, bare = ssn(rng)
        return value, rng.choice(BARE_SSN_SENTENCES if bare else PLANT_SENTENCES["SSN"])
    if kind == "IP":
        value = ip(rng)
        if rng.random() < 0.2:
            return value, IP_PORT_SENTENCES[":" in value]
        return value, rng.choice(PLANT_SENTENCES["IP"])
    maker = {"EMAIL": email, "PHONE": phone, "CARD": card_number, "IBAN": iban}[kind]
    return maker(rng), rng.choice(PLANT_SENTENCES[kind])


def generate(seed: int = 20240315, size: int = 72, per_document: int = 5) -> Corpus:
    """size documents (tickets, emails, transcripts in turn), each with per_document values."""
    rng = random.Random(seed)
    deck: list[str] = []
    documents = []
    for i in range(size):
        kinds = []
        for _ in range(per_document):
            if not deck:
                deck = list(TYPES) * 4
                rng.shuffle(deck)
            kinds.append(deck.pop())
        build = (_ticket, _email, _transcript)[i % 3]
        while True:  # redraw the rare document where one value happens to contain another
            planted = [(k, *_plant(k, rng)) for k in kinds]
            fakes = [lookalike(rng) for _ in range(rng.randint(3, 5))]
            doc = build(f"doc-{i:03d}", rng, planted, fakes)
            if _distinct(doc):
                break
        documents.append(doc)
    return Corpus(tuple(documents))


def _sentences(
    rng: random.Random, planted: list[tuple[str, str, str]], fakes: list[tuple[str, str]]
) -> list[str]:
    lines = [s.format(v=v) for _, v, s in planted] + [s.format(x=x) for x, s in fakes]
    lines += rng.sample(FILLER, 2)
    rng.shuffle(lines)
    return lines


def _ticket(
    doc_id: str,
    rng: random.Random,
    planted: list[tuple[str, str, str]],
    fakes: list[tuple[str, str]],
) -> Document:
    name = f"{rng.choice(FIRST).capitalize()} {rng.choice(LAST).capitalize()}"
    requester: dict[str, Any] = {"name": name}
    custom: dict[str, Any] = {"plan": "premium"}
    author = name
    in_text = []
    for kind, value, sentence in planted:  # some values live in fields rather than text
        if kind == "EMAIL" and "email" not in requester:
            requester["email"] = value
        elif kind == "EMAIL" and author == name:
            author = value
        elif kind == "PHONE" and "callback" not in custom:
            custom["callback"] = value
        elif kind == "IP" and "device" not in custom:
            custom["device"] = {"model": "T-200", "addresses": [value]}
        else:
            in_text.append((kind, value, sentence))
    lines = _sentences(rng, in_text, fakes)
    subject = "Help needed: " + lines.pop(0) if len(lines) > 3 else "Thermostat offline"
    half = max(1, len(lines) // 2)
    pairs = _pairs(planted) + ((("EMAIL", author),) if author != name else ())
    ticket = {
        "id": doc_id,
        "subject": subject,
        "status": "open",
        "requester": requester,
        "custom_fields": custom,
        "turns": [
            {"role": "customer", "author": author, "text": " ".join(lines[:half])},
            {"role": "agent", "author": "Sam (Support)", "text": "Thanks, looking into it."},
            {"role": "customer", "author": author, "text": " ".join(lines[half:])},
        ],
    }
    return Document(doc_id, "ticket", ticket, pairs, tuple(x for x, _ in fakes))


def _email(
    doc_id: str,
    rng: random.Random,
    planted: list[tuple[str, str, str]],
    fakes: list[tuple[str, str]],
) -> Document:
    sender = f"{rng.choice(FIRST)}.{rng.choice(LAST)}@{rng.choice(DOMAINS)}"
    support = f"support@{rng.choice(['lumen', 'acme', 'northwind'])}.example"
    date = (
        f"Fri, {rng.randint(1, 28)} Mar 2024 {rng.randint(10, 23)}:{rng.randint(10, 59)}:00 +0000"
    )
    body = "\n".join(_sentences(rng, planted, fakes))
    text = (
        f"From: {sender.split('@')[0].replace('.', ' ').title()} <{sender}>\n"
        f"To: {support}\nSubject: Problem with my order\nDate: {date}\n\n"
        f"Hello,\n\n{body}\n\nKind regards,\n{sender.split('.')[0].title()}\n-- \n"
        "Sent from my phone\n"
    )
    pairs = (("EMAIL", sender), ("EMAIL", support), *_pairs(planted))
    return Document(doc_id, "email", text, pairs, (date, *(x for x, _ in fakes)))


def _transcript(
    doc_id: str,
    rng: random.Random,
    planted: list[tuple[str, str, str]],
    fakes: list[tuple[str, str]],
) -> Document:
    lines = ["Agent: Thank you for calling Lumen support, how can I help?"]
    stamps = []
    for i, sentence in enumerate(_sentences(rng, planted, fakes)):
        speaker = "Customer" if i % 3 != 2 else "Agent"
        stamp = f"[00:{i + 1:02d}:{rng.randint(10, 59)}]"
        stamps.append(stamp)
        lines.append(f"{stamp} {speaker}: {sentence}")
    lines.append("Agent: Is there anything else I can help with today?")
    return Document(
        doc_id, "transcript", "\n".join(lines), _pairs(planted), (*(x for x, _ in fakes), *stamps)
    )


def _pairs(planted: list[tuple[str, str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((kind, value) for kind, value, _ in planted)


def text_of(content: dict[str, Any] | str | list[Any] | Any) -> str:
    """All strings in a document (a ticket's fields, recursively), one per line."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return "\n".join(text_of(v) for v in content.values())
    if isinstance(content, list | tuple):
        return "\n".join(text_of(v) for v in content)
    return ""


def _distinct(doc: Document) -> bool:
    """Each value appears as often as it was planted, and no value is inside another."""
    text = text_of(doc.content)
    values = [value for _, value in doc.planted]
    return all(
        text.count(value) == values.count(value)
        and not any(value in x or x in value for x in doc.lookalikes)
        and not any(value in other for other in values if other != value)
        for value in values
    )


def to_interaction(ticket: dict[str, Any]) -> Interaction:
    """A generated ticket as Casebook's Interaction (requester and custom fields in metadata)."""
    return Interaction(
        interaction_id=ticket["id"],
        channel="ticket",
        subject=ticket["subject"],
        status=ticket["status"],
        turns=[Turn(role=t["role"], text=t["text"], author=t["author"]) for t in ticket["turns"]],
        metadata={"requester": ticket["requester"], "custom_fields": ticket["custom_fields"]},
    )
