"""Call transcripts: WebVTT, SRT, or plain "Speaker: text" lines, one interaction per file.

Consecutive cues of one speaker merge into one turn, stamped with its first cue's start as an
offset into the call ("00:01:02.500"). Cues without a speaker continue the previous speaker.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from casebook.errors import ParseError
from casebook.interactions import Interaction, Turn, normalize_role
from ingest.readers.base import Failure, one_line

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d[\d:.]*>")
_NAME = r"(?P<name>[^\W\d_][\w .'&-]{0,39}?)"
_LABEL = re.compile(rf"^{_NAME}\s*:\s+(?P<text>\S.*)$")
# A plain-text line, with an optional "[00:01:23]" or "00:01:23" stamp before the speaker.
_PLAIN = re.compile(
    r"^\s*(?:[\[(]?(?P<stamp>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[\])]?\s*[-–]?\s*)?"
    rf"{_NAME}\s*:\s+(?P<text>\S.*)$"
)
_AGENT_PHRASES = re.compile(
    r"thank(?:s| you) for (?:calling|contacting|holding|your patience)|how (?:can|may) i (?:help"
    r"|assist)|my name is \w+(?: \w+)? (?:from|with|at)\b|this is \w+(?: \w+)? (?:from|with|at)\b"
    r"|you(?:'ve| have) reached|anything else i can (?:help|do)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Utterance:
    speaker: str | None  # None: continues the previous speaker
    start: str
    text: str


def _offset(stamp: str) -> str:
    """ "1:02,5" -> "00:01:02.500"; raises ParseError for minutes or seconds over 59."""
    clock, _, fraction = stamp.replace(",", ".").partition(".")
    parts = [int(p) for p in clock.split(":")]
    hours, minutes, seconds = ([0] * (3 - len(parts)) + parts)[-3:]
    if minutes > 59 or seconds > 59:
        raise ParseError(f"invalid time {stamp!r}")
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{(fraction or '0').ljust(3, '0')[:3]}"


def _speaker_name(name: str) -> str | None:
    name = " ".join(name.split())
    return name if len(name) > 1 and len(name.split()) <= 4 else None


def looks_like_transcript(text: str) -> bool:
    """Whether most non-empty lines read "Speaker: text", by two to a few recurring speakers
    (one-letter labels like "Q:"/"A:" do not count: those are FAQs, not calls)."""
    lines = [line for line in text.splitlines() if line.strip()]
    speakers = []
    for line in lines:
        match = _PLAIN.match(line)
        name = _speaker_name(match["name"]) if match else None
        if name:
            speakers.append(name.casefold())
    distinct = len(set(speakers))
    return 2 * len(speakers) > len(lines) and 2 <= distinct <= max(2, len(speakers) // 2)


def _cue_segments(payload: list[str]) -> list[tuple[str | None, str]]:
    """(speaker or None, text) in one cue: from <v Name> voice tags or "Name: text" lines."""
    parts = _VOICE.split("\n".join(payload))
    chunks: list[tuple[str | None, str]] = [(None, parts[0])]
    voices = zip(parts[1::2], parts[2::2], strict=True)  # split() alternates name, text
    chunks += [(_speaker_name(v) or v.strip(), t) for v, t in voices]
    out: list[tuple[str | None, str]] = []
    for voice, chunk in chunks:
        lines = [" ".join(x.split()) for x in html.unescape(_TAG.sub("", chunk)).splitlines()]
        for line in filter(None, lines):
            label = _LABEL.match(line) if voice is None else None
            name = _speaker_name(label["name"]) if label else None
            if label and name:
                out.append((name, label["text"]))
            elif out and (voice is None or out[-1][0] == voice):
                out[-1] = (out[-1][0], f"{out[-1][1]} {line}")
            else:
                out.append((voice, line))
    return out


def _cues(text: str, path: Path, webvtt: bool) -> Iterator[_Utterance | Failure]:
    """The utterances of a VTT or SRT file; a malformed cue is a failure naming its number.
    Raises ParseError when the whole file is not what its extension says."""
    blocks = [b.strip("\n").split("\n") for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
    if webvtt:
        if not blocks or not re.match(r"^WEBVTT(?:[ \t].*)?$", blocks[0][0]):
            raise ParseError("not WebVTT: the file must start with a WEBVTT line")
        blocks = [b for b in blocks[1:] if b[0].split(" ")[0] not in ("NOTE", "STYLE", "REGION")]
    for number, lines in enumerate(blocks, start=1):
        timing = next((i for i, line in enumerate(lines[:2]) if _TIMING.match(line)), None)
        if timing is None:
            yield Failure(f"{path}#cue-{number}", f"cue {number}: no valid 'start --> end' line")
            continue
        match = _TIMING.match(lines[timing])
        assert match is not None
        try:
            start = _offset(match[1])
            _offset(match[2])
        except ParseError as exc:
            yield Failure(f"{path}#cue-{number}", one_line(f"cue {number}: {exc}"))
            continue
        for speaker, said in _cue_segments(lines[timing + 1 :]):
            yield _Utterance(speaker, start, said)


def _plain(text: str) -> Iterator[_Utterance]:
    for line in text.splitlines():
        match = _PLAIN.match(line)
        name = _speaker_name(match["name"]) if match else None
        if match and name:
            try:
                stamp = _offset(match["stamp"]) if match["stamp"] else ""
            except ParseError:
                stamp = ""
            yield _Utterance(name, stamp, " ".join(match["text"].split()))
        elif line.strip():
            yield _Utterance(None, "", " ".join(line.split()))


def _merge(utterances: list[_Utterance]) -> list[_Utterance]:
    """Consecutive utterances of one speaker as one; speakerless ones join the previous."""
    merged: list[_Utterance] = []
    for u in utterances:
        if merged and u.speaker in (None, merged[-1].speaker):
            last = merged[-1]
            merged[-1] = _Utterance(last.speaker, last.start, f"{last.text} {u.text}")
        else:
            merged.append(_Utterance(u.speaker or "", u.start, u.text))
    return merged


def _role_name(name: str) -> str | None:
    """The role a speaker's name states ("Agent", "Caller", "Customer 2"), if it states one."""
    for candidate in (name, re.sub(r"\s*#?\d+$", "", name)):
        try:
            return normalize_role(candidate)
        except ValueError:
            continue
    return None


def _roles(
    turns: list[_Utterance], speaker_roles: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each speaker's role: the caller's `speaker_roles`, else a role name ("Agent", "Caller"),
    else typical agent phrases ("thank you for calling", "how can I help"); when nothing
    tells, the first speaker is the agent (calls are answered by the agent)."""
    given = {k.casefold(): normalize_role(v) for k, v in (speaker_roles or {}).items()}
    speakers = list(dict.fromkeys(t.speaker or "" for t in turns))
    roles: dict[str, str] = {}
    for name in speakers:
        role = given.get(name.casefold()) or _role_name(name)
        if role:
            roles[name] = role
    open_ = [s for s in speakers if s not in roles]
    said = {s: " ".join(t.text for t in turns if t.speaker == s) for s in open_}
    hits = {s: len(_AGENT_PHRASES.findall(said[s])) for s in open_}
    agents = [s for s in open_ if hits[s]]
    has_agent = "agent" in roles.values()
    has_customer = "customer" in roles.values()
    if not agents and not has_agent and open_:
        agents = [open_[0]]
    elif len(agents) == len(open_) and not has_customer and len(open_) > 1:
        agents = [max(open_, key=lambda s: hits[s])]  # first of the top scorers
    for name in open_:
        roles[name] = "agent" if name in agents else "customer"
    return roles


def read_transcript(
    path: Path, speaker_roles: Mapping[str, str] | None = None
) -> Iterator[Interaction | Failure]:
    """The call in a .vtt, .srt or "Speaker: text" file as one interaction (id: the file stem);
    a malformed cue is a failure ("call.srt#cue-4") and the rest is still read."""
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except OSError as exc:
        yield Failure(str(path), one_line(f"cannot read file: {exc.strerror or exc}"))
        return
    except UnicodeDecodeError as exc:
        yield Failure(str(path), one_line(f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
        return
    suffix = path.suffix.lower()
    utterances: list[_Utterance] = []
    if suffix in (".vtt", ".srt"):
        try:
            for item in _cues(text, path, webvtt=suffix == ".vtt"):
                if isinstance(item, Failure):
                    yield item
                else:
                    utterances.append(item)
        except ParseError as exc:
            yield Failure(str(path), one_line(str(exc)))
            return
    elif looks_like_transcript(text):
        utterances = list(_plain(text))
    else:
        yield Failure(str(path), "not a transcript: most lines do not read 'Speaker: text'")
        return
    turns = _merge(utterances)
    if not turns:
        yield Failure(str(path), "no cue with text")
        return
    try:
        roles = _roles(turns, speaker_roles)
    except ValueError as exc:  # a role in speaker_roles that we do not know
        yield Failure(str(path), one_line(f"speaker_roles: {exc}"))
        return
    yield Interaction(
        interaction_id=path.stem,
        channel="phone",
        turns=[
            Turn(
                role=roles[t.speaker or ""], text=t.text, author=t.speaker or "", timestamp=t.start
            )
            for t in turns
        ],
        metadata={"format": suffix.lstrip(".") if suffix in (".vtt", ".srt") else "text"},
        source=str(path.resolve()),
    )
