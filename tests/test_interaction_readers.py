"""Email, transcript and helpdesk readers, on small fixtures modelled on the vendors' formats."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from casebook.errors import ParseError
from casebook.interactions import Interaction
from ingest.readers.base import Failure
from ingest.readers.email_threads import new_text, read_emails
from ingest.readers.helpdesk import load_mapping, read_helpdesk
from ingest.readers.transcripts import looks_like_transcript, read_transcript

EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def split(items: Iterable[Interaction | Failure]) -> tuple[list[Interaction], list[Failure]]:
    items = list(items)
    return (
        [i for i in items if isinstance(i, Interaction)],
        [i for i in items if isinstance(i, Failure)],
    )


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip()) > 12]


def assert_no_text_in_two_turns(interaction: Interaction) -> None:
    for i, turn in enumerate(interaction.turns):
        for j, other in enumerate(interaction.turns):
            for sentence in sentences(turn.text) if i != j else []:
                assert sentence not in other.text, (i, j, sentence)


def assert_private(failures: list[Failure], *bodies: str) -> None:
    """No failure carries an email address or a sentence of a message body."""
    for failure in failures:
        assert not EMAIL_ADDRESS.search(failure.error), failure
        for body in bodies:
            for sentence in sentences(body):
                assert sentence not in failure.error, failure


# --- email -------------------------------------------------------------------------------------

MSG1 = """\
From jane.doe@example.com Mon Mar  4 09:00:00 2024
From: Jane Doe <Jane.Doe@example.com>
To: Acme Billing <billing@acme.io>
Subject: Invoice shows the wrong VAT number
Date: Mon, 04 Mar 2024 09:00:00 +0000
Message-ID: <CAF1-jane-0001@mail.example.com>
Content-Type: text/plain; charset=utf-8

Hello,

My March invoice shows the VAT number DE123456789, but our company moved.
The correct number is DE987654321. Could you reissue the invoice?

Thanks,
Jane Doe
Finance, Example GmbH
"""

MSG2 = """\
From carlos@acme.io Mon Mar  4 09:30:00 2024
From: Carlos Ruiz <carlos@acme.io>
To: Jane Doe <jane.doe@example.com>
Subject: Re: Invoice shows the wrong VAT number
Date: Mon, 04 Mar 2024 10:30:00 +0100
Message-ID: <acme-2002@acme.io>
In-Reply-To: <CAF1-jane-0001@mail.example.com>
References: <CAF1-jane-0001@mail.example.com>
Content-Type: text/plain; charset=utf-8

Hi Jane,

Sorry about that. I have updated the VAT number on your account.
Please confirm that the billing address should stay the same.

Best regards,
Carlos

--
Carlos Ruiz | Acme Billing Support
https://help.acme.io

On Mon, Mar 4, 2024 at 9:00 AM Jane Doe <jane.doe@example.com>
wrote:
> Hello,
>
> My March invoice shows the VAT number DE123456789, but our company moved.
> The correct number is DE987654321. Could you reissue the invoice?
"""

MSG3 = """\
From jane.doe@example.com Mon Mar  4 11:15:00 2024
From: Jane Doe <jane.doe@example.com>
To: Carlos Ruiz <carlos@acme.io>
Subject: RE: Invoice shows the wrong VAT number
Date: Mon, 04 Mar 2024 11:15:00 +0000
Message-ID: <CAF1-jane-0003@mail.example.com>
In-Reply-To: <acme-2002@acme.io>
References: <CAF1-jane-0001@mail.example.com> <acme-2002@acme.io>
Content-Type: text/plain; charset=utf-8

Yes, the billing address stays the same.

Sent from my iPhone

-----Original Message-----
From: Carlos Ruiz <carlos@acme.io>
Sent: Monday, March 4, 2024 10:30 AM
To: Jane Doe <jane.doe@example.com>
Subject: Re: Invoice shows the wrong VAT number

Hi Jane,

Sorry about that. I have updated the VAT number on your account.
Please confirm that the billing address should stay the same.
"""

MSG4 = """\
From carlos@acme.io Mon Mar  4 12:00:00 2024
From: Carlos Ruiz <carlos@acme.io>
To: Jane Doe <jane.doe@example.com>
Subject: Re: Invoice shows the wrong VAT number
Date: Mon, 04 Mar 2024 12:00:00 +0000
Message-ID: <acme-2004@acme.io>
In-Reply-To: <CAF1-jane-0003@mail.example.com>
References: <CAF1-jane-0001@mail.example.com> <acme-2002@acme.io>
 <CAF1-jane-0003@mail.example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<div dir="ltr"><p>Thanks for confirming. The corrected invoice INV-2024-0311 is attached.</p>
<p>Kind regards,<br>Carlos</p></div>
<div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 4, 2024 at 11:15 AM Jane Doe
&lt;jane.doe@example.com&gt; wrote:<br></div>
<blockquote class="gmail_quote">Yes, the billing address stays the same.</blockquote></div>
"""

OTHER_THREAD = """\
From sam@shop.example Tue Mar  5 08:00:00 2024
From: Sam Lee <sam@shop.example>
To: support@acme.io
Subject: Fwd: Password reset link expired
Date: Tue, 05 Mar 2024 08:00:00 +0000
Message-ID: <sam-1@shop.example>
Content-Type: text/plain; charset=utf-8

The reset link in your email expires before I can click it.

"""

GARBAGE = b"From MAILER-DAEMON Mon Mar  4 10:00:00 2024\n\x89PNG\r\n\x1a\n\x00\xff\xfe garbage\n\n"


def write_mbox(tmp_path: Path, *messages: str | bytes) -> Path:
    path = tmp_path / "support.mbox"
    path.write_bytes(b"".join(m if isinstance(m, bytes) else m.encode() for m in messages))
    return path


def test_mbox_thread_of_four_is_one_interaction_in_date_order(tmp_path: Path) -> None:
    path = write_mbox(tmp_path, MSG3, MSG1, MSG4, MSG2)  # archive order is not date order
    (thread,), failures = split(read_emails(path))
    assert failures == []
    assert thread.interaction_id == "CAF1-jane-0001@mail.example.com"
    assert thread.channel == "email"
    assert thread.subject == "Invoice shows the wrong VAT number"
    assert thread.source == str(path.resolve())
    assert [t.role for t in thread.turns] == ["customer", "agent", "customer", "agent"]
    assert [t.author for t in thread.turns] == [
        "jane.doe@example.com",
        "carlos@acme.io",
        "jane.doe@example.com",
        "carlos@acme.io",
    ]
    assert [t.timestamp for t in thread.turns] == [
        "2024-03-04T09:00:00Z",
        "2024-03-04T09:30:00Z",
        "2024-03-04T11:15:00Z",
        "2024-03-04T12:00:00Z",
    ]
    assert (thread.created_at, thread.updated_at) == (
        "2024-03-04T09:00:00Z",
        "2024-03-04T12:00:00Z",
    )


def test_quotes_and_signatures_are_cut_so_no_text_is_in_two_turns(tmp_path: Path) -> None:
    (thread,), _ = split(read_emails(write_mbox(tmp_path, MSG1, MSG2, MSG3, MSG4)))
    first, second, third, fourth = (t.text for t in thread.turns)
    assert first.startswith("Hello,") and "Could you reissue the invoice?" in first
    assert "Finance, Example GmbH" not in first
    assert second.endswith("should stay the same.") and "Acme Billing Support" not in second
    assert third == "Yes, the billing address stays the same."
    assert fourth == "Thanks for confirming. The corrected invoice INV-2024-0311 is attached."
    assert_no_text_in_two_turns(thread)


def test_two_threads_in_one_mbox_are_two_interactions(tmp_path: Path) -> None:
    interactions, failures = split(read_emails(write_mbox(tmp_path, MSG1, OTHER_THREAD, MSG2)))
    assert failures == []
    assert [(i.interaction_id, len(i.turns)) for i in interactions] == [
        ("CAF1-jane-0001@mail.example.com", 2),
        ("sam-1@shop.example", 1),
    ]
    assert interactions[1].subject == "Password reset link expired"


def test_a_corrupt_message_is_a_failure_naming_its_index_and_the_rest_is_read(
    tmp_path: Path,
) -> None:
    no_date = MSG2.replace("Date: Mon, 04 Mar 2024 10:30:00 +0100\n", "")
    path = write_mbox(tmp_path, MSG1, GARBAGE, OTHER_THREAD, no_date)
    interactions, failures = split(read_emails(path))
    assert [f.path for f in failures] == [f"{path}#message-2", f"{path}#message-4"]
    assert "From header" in failures[0].error and "Date header" in failures[1].error
    assert [i.interaction_id for i in interactions] == [
        "CAF1-jane-0001@mail.example.com",
        "sam-1@shop.example",
    ]
    assert_private(failures, MSG2)


def test_eml_single_message(tmp_path: Path) -> None:
    path = tmp_path / "ticket.eml"
    path.write_text(
        "From: Ana <ana@customer.example>\nTo: help@acme.io\nSubject: Re: AW: Delivery delayed\n"
        "Date: Wed, 06 Mar 2024 14:20:00 -0500\nMessage-ID: <ana-77@customer.example>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b1\n\n--b1\n"
        "Content-Type: text/plain; charset=utf-8\n\nMy parcel 4471 has not moved since Monday.\n"
        "\n-- \nAna\n--b1\nContent-Type: text/html; charset=utf-8\n\n<p>My parcel 4471 has "
        "not moved since Monday.</p>\n--b1--\n"
    )
    (interaction,), failures = split(read_emails(path))
    assert failures == []
    assert interaction.interaction_id == "ana-77@customer.example"
    assert interaction.subject == "Delivery delayed"
    assert interaction.created_at == "2024-03-06T19:20:00Z"
    assert [(t.role, t.text) for t in interaction.turns] == [
        ("customer", "My parcel 4471 has not moved since Monday.")
    ]


def test_agent_domains_decide_roles(tmp_path: Path) -> None:
    outbound = MSG2.replace("In-Reply-To: <CAF1-jane-0001@mail.example.com>\n", "").replace(
        "References: <CAF1-jane-0001@mail.example.com>\n", ""
    )
    reply = MSG3.replace("References: <CAF1-jane-0001@mail.example.com> <acme-2002@acme.io>\n", "")
    path = write_mbox(tmp_path, outbound, reply)
    (thread,), _ = split(read_emails(path))
    assert [t.role for t in thread.turns] == ["customer", "agent"]  # first sender is the customer
    (thread,), _ = split(read_emails(path, agent_domains={"acme.io"}))
    assert [t.role for t in thread.turns] == ["agent", "customer"]


def test_inline_answers_between_quotes_stay_and_forwards_are_kept() -> None:
    inline = (
        "On Tue, 5 Mar 2024, Support <help@acme.io> wrote:\n> Which browser do you use?\n"
        "Firefox 123.\n> Does it happen in a private window?\nYes, also there.\n"
    )
    assert new_text(inline) == "Firefox 123.\nYes, also there."
    forward = (
        "See below, this is what your system sent me.\n\n---------- Forwarded message ---------\n"
        "From: Billing <noreply@acme.io>\nDate: Mon, Mar 4, 2024\nSubject: Payment failed\n\n"
        "Your payment of 49.00 EUR failed.\n"
    )
    assert "Your payment of 49.00 EUR failed." in new_text(forward)
    assert new_text("Thanks!") == "Thanks!"  # a closing alone is the message, not a signature


# --- transcripts -------------------------------------------------------------------------------

VTT = """\
WEBVTT

NOTE Exported from the call recorder

1
00:00:00.000 --> 00:00:04.200
<v Maria Lopez>Thank you for calling Acme Internet, my name is Maria.</v>

2
00:00:04.300 --> 00:00:06.000
<v Maria Lopez>How can I help you today?</v>

3
00:00:06.500 --> 00:00:09.000
<v Tom Baker>Hi, my router keeps dropping the connection every evening.

4
00:00:09.100 --> 00:00:12.000
<v Tom Baker>It started after the firmware update last week.

5
00:00:12.500 --> 00:00:17.000
<v Maria Lopez>I&apos;m sorry to hear that. Let me check the line from here.
"""

SRT = """\
1
00:00:01,000 --> 00:00:03,500
Agent: Good morning, this is Priya.

2
00:00:03,600 --> 00:00:06,000
Caller: Hi Priya, my card was declined at a shop today.

3
00:00:06,100 --> 00:00:08,000
I'm sure there is money in the account.

4
00:00:08,500 -> 00:00:11,000
Agent: This cue has a broken arrow.

5
00:00:11,500 --> 00:00:14,000
Agent: Let me look at the recent authorisations.
"""

PLAIN = """\
[00:00:02] Sam: Good morning, you've reached Acme Support. How may I help?
[00:00:07] Alex: Hi, I can't log in to the dashboard since this morning.
[00:00:12] Alex: It says my password expired.
[00:00:15] Sam: I can send you a reset link right away.
"""


def test_vtt_voice_tags_merge_consecutive_cues_and_find_the_agent(tmp_path: Path) -> None:
    path = tmp_path / "call-8812.vtt"
    path.write_text(VTT)
    (call,), failures = split(read_transcript(path))
    assert failures == []
    assert (call.interaction_id, call.channel) == ("call-8812", "phone")
    assert [(t.author, t.role, t.timestamp) for t in call.turns] == [
        ("Maria Lopez", "agent", "00:00:00.000"),
        ("Tom Baker", "customer", "00:00:06.500"),
        ("Maria Lopez", "agent", "00:00:12.500"),
    ]
    assert call.turns[0].text == (
        "Thank you for calling Acme Internet, my name is Maria. How can I help you today?"
    )
    assert call.turns[2].text.startswith("I'm sorry")


def test_srt_role_names_speakerless_cues_and_a_malformed_cue(tmp_path: Path) -> None:
    path = tmp_path / "call.srt"
    path.write_text(SRT)
    (call,), failures = split(read_transcript(path))
    assert [f.path for f in failures] == [f"{path}#cue-4"]
    assert "cue 4" in failures[0].error
    assert_private(failures, SRT)
    assert [(t.role, t.text) for t in call.turns] == [
        ("agent", "Good morning, this is Priya."),
        (
            "customer",
            "Hi Priya, my card was declined at a shop today. I'm sure there is money "
            "in the account.",
        ),
        ("agent", "Let me look at the recent authorisations."),
    ]
    assert call.turns[1].timestamp == "00:00:03.600"


def test_plain_speaker_lines(tmp_path: Path) -> None:
    path = tmp_path / "chat-log.txt"
    path.write_text(PLAIN)
    (call,), _ = split(read_transcript(path))
    assert [(t.author, t.role, t.timestamp) for t in call.turns] == [
        ("Sam", "agent", "00:00:02.000"),
        ("Alex", "customer", "00:00:07.000"),
        ("Sam", "agent", "00:00:15.000"),
    ]
    assert (
        call.turns[1].text == "Hi, I can't log in to the dashboard since this morning. It says "
        "my password expired."
    )


def test_speaker_roles_win_and_an_undecidable_call_starts_with_the_agent(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_text("Kim: Hello?\nLee: Hi, the app crashes on start.\nKim: Which version?\n")
    (call,), _ = split(read_transcript(path))
    assert [t.role for t in call.turns] == ["agent", "customer", "agent"]
    (call,), _ = split(read_transcript(path, speaker_roles={"kim": "customer", "Lee": "support"}))
    assert [t.role for t in call.turns] == ["customer", "agent", "customer"]


def test_looks_like_transcript() -> None:
    assert looks_like_transcript(PLAIN)
    assert looks_like_transcript("Agent: Hello\nCustomer: Hi\nit is about my bill\nAgent: Sure")
    faq = "Q: How do I reset?\nA: Use the link.\nQ: Where is it?\nA: On the login page."
    assert not looks_like_transcript(faq)
    config = "name: casebook\nversion: 1\nlicense: Apache\nauthor: someone\n"
    assert not looks_like_transcript(config)
    assert not looks_like_transcript("A manual.\n\nNote: keep it dry.\nStep one is easy.\n")


def test_a_vtt_without_its_header_and_a_non_transcript_are_failures(tmp_path: Path) -> None:
    vtt = tmp_path / "bad.vtt"
    vtt.write_text(VTT.replace("WEBVTT\n", ""))
    txt = tmp_path / "notes.txt"
    txt.write_text("Just some notes about the release.\nNothing to see.\n")
    assert [type(x) for x in read_transcript(vtt)] == [Failure]
    assert [type(x) for x in read_transcript(txt)] == [Failure]


def test_one_cue_with_two_voices_is_two_turns(tmp_path: Path) -> None:
    path = tmp_path / "short.vtt"
    path.write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Agent>Anything else?</v>\n<v Customer>No, thanks."
        "\n\n00:03.500 --> 00:04.000\n<v.loud Customer>Bye!\n"
    )
    (call,), _ = split(read_transcript(path))
    assert [(t.role, t.text, t.timestamp) for t in call.turns] == [
        ("agent", "Anything else?", "00:00:01.000"),
        ("customer", "No, thanks. Bye!", "00:00:01.000"),
    ]


# --- helpdesk exports --------------------------------------------------------------------------

ZENDESK: dict[str, Any] = {
    "tickets": [
        {
            "id": 35436,
            "url": "https://acme.zendesk.com/api/v2/tickets/35436.json",
            "type": "incident",
            "subject": "Help, my printer is on fire!",
            "raw_subject": "Help, my printer is on fire!",
            "description": "The fire is very colorful.",
            "priority": "High",
            "status": "Open",
            "requester_id": 20978392,
            "submitter_id": 20978392,
            "assignee_id": 235323,
            "organization_id": 509974,
            "group_id": 98738,
            "tags": ["enterprise", "printer"],
            "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
            "satisfaction_rating": {"score": "good", "comment": "Fixed quickly"},
            "created_at": "2024-02-12T09:30:00Z",
            "updated_at": "2024-02-12T11:05:00Z",
            "comments": [
                {
                    "id": 1274,
                    "type": "Comment",
                    "author_id": 20978392,
                    "body": "The fire is very colorful.",
                    "html_body": '<div class="zd-comment"><p>The fire is very colorful.</p></div>',
                    "plain_body": "The fire is very colorful.",
                    "public": True,
                    "created_at": "2024-02-12T09:30:00Z",
                    "via": {"channel": "web"},
                },
                {
                    "id": 1275,
                    "type": "Comment",
                    "author_id": 235323,
                    "body": "Escalating to the hardware team, looks like the fuser unit.",
                    "public": False,
                    "created_at": "2024-02-12T09:41:00Z",
                },
                {
                    "id": 1276,
                    "type": "Comment",
                    "author_id": 235323,
                    "body": "Please unplug the printer. A technician will call within the hour.",
                    "public": True,
                    "created_at": "2024-02-12T10:45:00+01:00",
                },
                {
                    "id": 1277,
                    "type": "Comment",
                    "author_id": 20978392,
                    "plain_body": "Unplugged it, thanks. The smoke has stopped.",
                    "public": True,
                    "created_at": "2024-02-12T11:05:00Z",
                },
            ],
        },
        {
            "id": 35437,
            "subject": "Refund for order 5521",
            "description": "I returned order 5521 two weeks ago and have no refund yet.",
            "status": "solved",
            "priority": None,
            "requester_id": 1120,
            "tags": [],
            "via": {"channel": "twitter"},
            "satisfaction_rating": {"score": "unoffered"},
            "created_at": "2024-02-13T10:00:00Z",
            "updated_at": "2024-02-14T10:00:00Z",
        },
        {"id": 35438, "subject": "Tags as text", "tags": "billing", "description": "Bill me."},
        {
            "id": 35439,
            "subject": "Bad date",
            "created_at": "last tuesday",
            "description": "My account email is someone@private.example, please help.",
        },
        {"subject": "No id", "description": "Where is my order?"},
        {"id": 35441, "subject": "Empty", "comments": [{"id": 1, "author_id": 2, "body": "  "}]},
        "not a ticket",
    ]
}

INTERCOM_CONVERSATION: dict[str, Any] = {
    "type": "conversation",
    "id": "1911149811",
    "title": None,
    "created_at": 1709550000,
    "updated_at": 1709553600,
    "waiting_since": None,
    "source": {
        "type": "conversation",
        "id": "403918330",
        "delivered_as": "customer_initiated",
        "subject": "",
        "body": "<p>Hi there, I was charged <b>twice</b> for my Pro plan this month.</p>",
        "author": {
            "type": "user",
            "id": "5d70dd30de4efd54f42fd526",
            "name": "Joe Bloggs",
            "email": "joe@bloggs.example",
        },
        "attachments": [],
        "url": None,
        "redacted": False,
    },
    "contacts": {
        "type": "contact.list",
        "contacts": [{"type": "contact", "id": "5d70dd30de4efd54f42fd526", "external_id": "70"}],
    },
    "state": "closed",
    "open": False,
    "read": True,
    "priority": "not_priority",
    "admin_assignee_id": 991267,
    "team_assignee_id": None,
    "tags": {
        "type": "tag.list",
        "tags": [
            {"type": "tag", "id": "123456", "name": "billing", "applied_at": 1709550100},
            {"type": "tag", "id": "123457", "name": "refund", "applied_at": 1709550100},
        ],
    },
    "conversation_rating": {"rating": 5, "remark": "Quick refund", "created_at": 1709553600},
    "statistics": {"type": "conversation_statistics", "last_close_at": 1709553500},
    "conversation_parts": {
        "type": "conversation_part.list",
        "conversation_parts": [
            {
                "type": "conversation_part",
                "id": "1",
                "part_type": "assignment",
                "body": None,
                "created_at": 1709550060,
                "author": {"type": "bot", "id": "1001", "name": "Operator"},
            },
            {
                "type": "conversation_part",
                "id": "2",
                "part_type": "comment",
                "body": "<p>Thanks! A teammate will be with you shortly.</p>",
                "created_at": 1709550061,
                "author": {"type": "bot", "id": "1001", "name": "Operator"},
            },
            {
                "type": "conversation_part",
                "id": "3",
                "part_type": "note",
                "body": "<p>Duplicate charge confirmed in Stripe, refunding.</p>",
                "created_at": 1709550500,
                "author": {"type": "admin", "id": "991267", "name": "Dana"},
            },
            {
                "type": "conversation_part",
                "id": "4",
                "part_type": "comment",
                "body": "<p>Sorry about that! I refunded the duplicate charge.</p>"
                "<p>It will show in 5-10 business days.</p>",
                "created_at": 1709550600,
                "author": {"type": "admin", "id": "991267", "name": "Dana"},
            },
            {
                "type": "conversation_part",
                "id": "5",
                "part_type": "comment",
                "body": "<p>Great, thank you!</p>",
                "created_at": 1709553400,
                "author": {"type": "user", "id": "5d70dd30de4efd54f42fd526", "name": "Joe"},
            },
            {
                "type": "conversation_part",
                "id": "6",
                "part_type": "close",
                "body": None,
                "created_at": 1709553500,
                "author": {"type": "admin", "id": "991267", "name": "Dana"},
            },
        ],
        "total_count": 6,
    },
}


def write_json(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_zendesk_tickets(tmp_path: Path) -> None:
    path = write_json(tmp_path, "tickets.json", ZENDESK)
    interactions, _ = split(read_helpdesk(path, "zendesk"))
    fire, refund = interactions
    assert fire.interaction_id == "35436"
    assert (fire.subject, fire.status, fire.priority) == (
        "Help, my printer is on fire!",
        "open",
        "high",
    )
    assert (fire.channel, fire.customer_id, fire.tags) == (
        "ticket",
        "20978392",
        ["enterprise", "printer"],
    )
    assert (fire.csat, fire.metadata["csat_raw"], fire.metadata["ticket_type"]) == (
        1.0,
        "good",
        "incident",
    )
    assert (fire.created_at, fire.updated_at) == ("2024-02-12T09:30:00Z", "2024-02-12T11:05:00Z")
    assert [(t.role, t.author) for t in fire.turns] == [
        ("customer", "20978392"),
        ("internal", "235323"),
        ("agent", "235323"),
        ("customer", "20978392"),
    ]
    assert fire.turns[1].text == "Escalating to the hardware team, looks like the fuser unit."
    assert fire.turns[2].timestamp == "2024-02-12T09:45:00Z"  # from 10:45+01:00
    assert refund.channel == "social" and refund.csat is None and refund.priority == ""
    assert [(t.role, t.text) for t in refund.turns] == [
        ("customer", "I returned order 5521 two weeks ago and have no refund yet.")
    ]


def test_zendesk_bad_tickets_are_named_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write_json(tmp_path, "tickets.json", ZENDESK)
    interactions, failures = split(read_helpdesk(path, "zendesk"))
    assert len(interactions) == 2
    by_path = {f.path: f.error for f in failures}
    assert list(by_path) == [
        f"{path}#35438",
        f"{path}#35439",
        f"{path}#record-5",
        f"{path}#35441",
        f"{path}#record-7",
    ]
    assert "'tags'" in by_path[f"{path}#35438"] and "list" in by_path[f"{path}#35438"]
    assert "'created_at'" in by_path[f"{path}#35439"] and "date" in by_path[f"{path}#35439"]
    assert "interaction_id" in by_path[f"{path}#record-5"]
    assert "no turn with text" in by_path[f"{path}#35441"]
    assert_private(failures, *(t.get("description", "") for t in ZENDESK["tickets"][2:6]))


def test_intercom_conversations(tmp_path: Path) -> None:
    path = write_json(tmp_path, "conversations.json", {"conversations": [INTERCOM_CONVERSATION]})
    (chat,), failures = split(read_helpdesk(path, "intercom"))
    assert failures == []
    assert (chat.interaction_id, chat.channel, chat.status) == ("1911149811", "chat", "closed")
    assert (chat.tags, chat.csat, chat.metadata["csat_raw"]) == (["billing", "refund"], 1.0, 5)
    assert chat.customer_id == "5d70dd30de4efd54f42fd526"
    assert (chat.created_at, chat.resolved_at) == ("2024-03-04T11:00:00Z", "2024-03-04T11:58:20Z")
    assert [t.role for t in chat.turns] == ["customer", "bot", "internal", "agent", "customer"]
    assert chat.turns[0].text == "Hi there, I was charged twice for my Pro plan this month."
    assert chat.turns[3].text == (
        "Sorry about that! I refunded the duplicate charge.\n\nIt will show in 5-10 business days."
    )
    assert chat.turns[3].author == "991267" and chat.turns[3].timestamp == "2024-03-04T11:10:00Z"


def test_intercom_list_file_and_malformed_conversations(tmp_path: Path) -> None:
    bad_date = INTERCOM_CONVERSATION | {"id": "2", "created_at": "yesterday"}
    bad_parts = INTERCOM_CONVERSATION | {
        "id": "3",
        "conversation_parts": {"conversation_parts": "x"},
    }
    bad_tags = INTERCOM_CONVERSATION | {"id": "4", "tags": {"tags": "billing"}}
    path = write_json(
        tmp_path, "export.json", [bad_date, INTERCOM_CONVERSATION, bad_parts, bad_tags]
    )
    interactions, failures = split(read_helpdesk(path, "intercom"))
    assert [i.interaction_id for i in interactions] == ["1911149811"]
    assert [f.path for f in failures] == [f"{path}#2", f"{path}#3", f"{path}#4"]
    assert "created_at" in failures[0].error
    assert "conversation_parts" in failures[1].error and "list" in failures[1].error
    assert "tags" in failures[2].error
    assert_private(failures, INTERCOM_CONVERSATION["source"]["body"])


CSV_MAPPING: dict[str, Any] = {
    "format": "csv",
    "group_by": "ticket_id",
    "timestamps": "%Y-%m-%d %H:%M",
    "tag_separator": ";",
    "fields": {
        "interaction_id": "ticket_id",
        "subject": "subject",
        "status": "status",
        "channel": "channel",
        "tags": "tags",
        "created_at": "opened",
        "csat": "csat",
    },
    "csat": {"scale": [1, 5]},
    "turns": [
        {
            "text": "message",
            "author": "sender",
            "role": "sender_role",
            "timestamp": "sent_at",
            "internal": {"path": "is_internal", "in": ["yes", True]},
        }
    ],
}

CSV_EXPORT = (
    "ticket_id,subject,status,channel,tags,opened,csat,sent_at,sender,sender_role,is_internal,"
    "message\n"
    "T-100,Cannot export,Solved,email,reports;export,2024-05-02 08:00,4,2024-05-02 08:00,c-881,"
    'customer,no,"The CSV export button does nothing, on Chrome 124."\n'
    "T-100,Cannot export,Solved,email,reports;export,2024-05-02 08:00,4,2024-05-02 09:10,a-17,"
    'agent,no,"Thanks for the report. A fix ships on Friday."\n'
    "T-100,Cannot export,Solved,email,reports;export,2024-05-02 08:00,4,2024-05-02 09:05,a-17,"
    "agent,yes,Known bug REP-2211.\n"
    "T-101,Wrong plan,Open,whatsapp,,2024-05-03 10:00,,2024-05-03 10:00,c-882,customer,no,"
    "I am on Pro but the app says Free.\n"
    "T-101,Wrong plan,Open,whatsapp,,2024-05-03 10:00,,2024-05-03 10:20,a-5,agent,no,"
    '"Please log out, then in again.",extra\n'
    "T-102,Broken date,Open,chat,,May 3rd,,2024-05-03 11:00,c-883,customer,no,"
    "My email is c883@private.example.\n"
)


def test_user_mapping_file_for_a_custom_csv_export(tmp_path: Path) -> None:
    mapping = write_json(tmp_path, "my-helpdesk.json", CSV_MAPPING)
    path = tmp_path / "export.csv"
    path.write_text(CSV_EXPORT)
    interactions, failures = split(read_helpdesk(path, str(mapping)))
    report, plan = interactions
    assert (report.interaction_id, report.status, report.channel) == ("T-100", "solved", "email")
    assert (report.tags, report.csat, report.created_at) == (
        ["reports", "export"],
        0.75,
        "2024-05-02T08:00:00Z",
    )
    assert [(t.role, t.author) for t in report.turns] == [
        ("customer", "c-881"),
        ("internal", "a-17"),  # sorted by time: the note came before the reply
        ("agent", "a-17"),
    ]
    assert (plan.channel, plan.tags, plan.csat, len(plan.turns)) == ("chat", [], None, 1)
    assert [f.path for f in failures] == [f"{path}:6", f"{path}#T-102"]
    assert "columns" in failures[0].error
    assert "'created_at' (from 'opened')" in failures[1].error
    assert_private(failures, CSV_EXPORT)


def test_csv_with_one_row_per_ticket(tmp_path: Path) -> None:
    mapping = {
        "format": "csv",
        "fields": {"interaction_id": "Ticket ID", "subject": "Subject", "created_at": "Created"},
        "turns": [{"text": "Description", "default_role": "customer"}],
    }
    path = tmp_path / "tickets.csv"
    path.write_text(
        "Ticket ID,Subject,Created,Description\n"
        '1,Login loop,1714636800,"After login I land on the login page again."\n'
        '2,"Quote ""broken",1714636800,"unterminated\n'
    )
    interactions, failures = split(read_helpdesk(path, mapping))
    assert [(i.interaction_id, i.created_at, i.turns[0].role) for i in interactions] == [
        ("1", "2024-05-02T08:00:00Z", "customer")
    ]
    assert [f.path for f in failures] == [f"{path}:3"]
    assert_private(failures, "After login I land on the login page again.")


def test_a_bad_mapping_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="interaction_id"):
        load_mapping({"fields": {"subject": "subject"}, "turns": [{"text": "body"}]})
    with pytest.raises(ParseError, match="unknown"):
        load_mapping(CSV_MAPPING | {"fileds": {}})
    with pytest.raises(ParseError, match="not built in"):
        read_helpdesk(tmp_path / "x.json", "freshdesk")


def test_no_failure_names_an_address_or_a_body(tmp_path: Path) -> None:
    bodies = [MSG1, MSG2, SRT, CSV_EXPORT, json.dumps(ZENDESK), json.dumps(INTERCOM_CONVERSATION)]
    broken_date = MSG2.replace("Date: Mon, 04 Mar 2024 10:30:00 +0100", "Date: jane@example.com")
    broken_from = MSG1.replace("From: Jane Doe <Jane.Doe@example.com>", "From: Jane Doe <Jane.Doe")
    srt = tmp_path / "call.srt"
    srt.write_text(SRT.replace("00:00:06,100 --> 00:00:08,000", "me@home.example --> ok"))
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(CSV_EXPORT)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"conversations": [{"id": "1", "body": "me@home.example"]}')
    failures = [
        *split(read_emails(write_mbox(tmp_path, broken_from, GARBAGE, broken_date)))[1],
        *split(read_transcript(srt))[1],
        *split(read_helpdesk(write_json(tmp_path, "z.json", ZENDESK), "zendesk"))[1],
        *split(read_helpdesk(csv_path, CSV_MAPPING))[1],
        *split(read_helpdesk(bad_json, "intercom"))[1],
    ]
    assert len(failures) == 3 + 2 + 5 + 2 + 1
    assert_private(failures, *bodies)
