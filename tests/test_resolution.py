"""The fix in an interaction (summaries/resolution.py): chosen for the summary's resolution,
the status and the resolution chunk written at ingest, on the sample interactions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casebook.embedding import Embedder
from casebook.interactions import Interaction, Turn, normalize_role
from ingest.conversation import ConversationChunker
from ingest.readers.interactions_jsonl import record_to_interaction
from ingest.readers.transcripts import read_transcript
from summaries.cues import clean, sentences
from summaries.interaction import resolution_sections, summarize
from summaries.resolution import confirms, find_fix, is_action, is_instruction, still_broken

ROOT = Path(__file__).resolve().parents[1]
TWEETSUMM = ROOT.parent / "shared" / "datasets" / "tweetsumm" / "interactions.jsonl"


def _ticket(ticket_id: str, channel: str, turns: list[tuple[str, str]]) -> dict:
    return {
        "interaction_id": ticket_id,
        "channel": channel,
        "turns": [{"role": role, "text": text} for role, text in turns],
    }


# casebook/sample/interactions/tickets.jsonl and call-2025-03-14.vtt, copied as they were.
TICKETS = [
    _ticket('T-1001', 'email', [
        ('customer', (
            'Hi, I bought a white T2 from your store last week (order LH-104871) and my '
            'bank statement shows two charges of $179 from LUMENHOME*STORE on the same '
            'day. I only ordered one thermostat. Can you fix this? Thanks, Priya Sandoval'
        )),
        ('agent', (
            'Hi Priya, thanks for getting in touch and sorry about the confusion. Could '
            "you tell me the last four digits of the card you paid with? Please don't "
            'send the full card number.'
        )),
        ('customer', (
            "It's the card ending 4417. Both charges are marked as completed, not "
            'pending.'
        )),
        ('agent', (
            'Thank you. I checked the order and there are two captured payments of $179 '
            "for LH-104871, so this is a real duplicate, not a temporary hold. I've "
            'refunded the duplicate charge of $179 to your card ending 4417. Your refund '
            'reference is RF-20250311. The refund usually appears on your card within '
            '3-10 business days, depending on your bank.'
        )),
        ('customer', 'Great, thank you for sorting that out so quickly.'),
        ('agent', "You're welcome! Is there anything else I can help you with today?"),
        ('customer', "No, that's all. Have a nice day."),
        ('agent', 'You too, Priya. Enjoy your new thermostat!'),
    ]),
    _ticket('T-1002', 'chat', [
        ('customer', (
            "hey, I'm being charged twice for Lumen Care every month. two charges of "
            '$4.99 from LUMENHOME*CARE'
        )),
        ('agent', (
            "Hi, I'm sorry about that! Let me take a look. Do you have only one home in "
            'your Lumen account?'
        )),
        ('customer', 'yes just the one house'),
        ('agent', (
            'Thanks. I can see two active Lumen Care subscriptions on the same home: one '
            'started in the app on 2 February and one on the website on 5 February. It '
            'looks like you signed up twice.'
        )),
        ('customer', "oh, I think I tried the website first and thought it didn't work"),
        ('agent', (
            "That happens. I've cancelled the newer subscription from 5 February and "
            'refunded both of its charges, $4.99 each, $9.98 in total. Your refund '
            'reference is RF-20250402. Your original subscription stays active, so you '
            'keep all your Lumen Care benefits.'
        )),
        ('customer', 'perfect thanks'),
        ('agent', 'No problem! Anything else I can do for you?'),
        ('customer', 'nope, all good'),
        ('agent', 'Thanks for chatting with us. Have a great evening!'),
    ]),
    _ticket('T-1003', 'chat', [
        ('customer', (
            'My new thermostat keeps showing E22 and the screen goes black at night. I '
            'installed it myself on Saturday.'
        )),
        ('agent', (
            'Hi, thanks for reaching out. E22 means the thermostat is not getting enough '
            'power. Was there a wire connected to the C terminal on your old thermostat?'
        )),
        ('customer', (
            'No, there were only 4 wires: red, white, yellow and green. I left the '
            "little white box from the packaging in the drawer, I didn't know what it "
            'was for.'
        )),
        ('agent', (
            'That little box is the Lumen Power Adapter, LPA-1. Without a C-wire the T2 '
            'runs on its battery and goes flat, which gives E22. The fix is to fit the '
            'LPA-1 at your furnace: turn off the breaker, open the furnace door, and '
            "connect the adapter's four labelled leads to the R, C, W and Y terminals on "
            'the control board, next to the existing wires. Then close the furnace door '
            'firmly and turn the breaker back on.'
        )),
        ('customer', "OK I'll try it now."),
        ('customer', (
            'Done. The thermostat came back on and Settings > Equipment > Power says '
            'Power: LPA-1. No E22 any more!'
        )),
        ('agent', (
            "Excellent, that's exactly what it should show. The battery will recharge by "
            'itself now.'
        )),
        ('customer', 'Thank you so much!'),
        ('agent', "You're welcome. Is there anything else I can help with?"),
        ('customer', "No that's it, thanks again"),
    ]),
    _ticket('T-1004', 'email', [
        ('customer', (
            'Hello, my T2 shows error E22 again. I have had the Lumen Power Adapter '
            'fitted at the furnace since I installed it in October and it was fine until '
            'this week. Serial LT2-2309-118204. Regards, Tomasz Olenko'
        )),
        ('agent', (
            'Hello Tomasz, thank you for the details. Could you check Menu > Settings > '
            'Equipment > Power on the thermostat and tell me what it shows? Please also '
            'check that the furnace door is closed and the breaker is on.'
        )),
        ('customer', (
            'The breaker is on and the furnace runs. The power screen says Power: '
            'battery, and the light on the adapter at the furnace is off.'
        )),
        ('agent', (
            'Thank you, that tells us the adapter itself has stopped working. Your LPA-1 '
            "is within its 1-year warranty, so I've sent a replacement Power Adapter "
            'under warranty, order LH-R-203344. It comes with a prepaid return label for '
            'the faulty adapter; please return it within 21 days. Until it arrives, you '
            'can leave the heating running for 30 minutes now and then to trickle-charge '
            'the battery.'
        )),
        ('customer', (
            "Thanks, that's very helpful. Do I need to change anything on the thermostat "
            'when the new one comes?'
        )),
        ('agent', (
            'No, just swap the adapter at the furnace with the breaker off. The T2 finds '
            'the new adapter by itself. Anything else I can help you with?'
        )),
        ('customer', "No, that's everything. Thank you."),
        ('agent', "You're welcome, Tomasz. Stay warm!"),
    ]),
    _ticket('T-1005', 'chat', [
        ('customer', (
            'hi, my heat pump is blowing cold air when the thermostat says heating. it '
            'was fine with my old thermostat'
        )),
        ('agent', 'Hi! Sorry to hear that. Is there a wire on the O/B terminal of your T2?'),
        ('customer', 'yes an orange one'),
        ('agent', (
            'Thanks. Can you go to Menu > Settings > Equipment > Heat pump > O/B mode '
            'and tell me what it is set to?'
        )),
        ('customer', 'it says O'),
        ('agent', (
            'Your heat pump brand energises the reversing valve in heating, so it needs '
            'B. I changed your heat pump setting to O/B = B from our side; the '
            'thermostat should show the change in a few seconds. Please set it to heat '
            'and give it about 5 minutes.'
        )),
        ('customer', 'ok... yes warm air now!'),
        ('agent', (
            'Great, that was the reversing valve setting. You might also like to run the '
            'system test under Menu > Settings > Equipment > System test to check '
            'cooling.'
        )),
        ('customer', 'will do, thanks a lot'),
        ('agent', "You're welcome. Anything else today?"),
        ('customer', 'no thanks, bye'),
    ]),
    _ticket('T-1006', 'chat', [
        ('customer', (
            'My thermostat showed E42 yesterday and again this morning. Is it broken? '
            'Should I get a new one?'
        )),
        ('agent', (
            'Hi, thanks for contacting us. E42 means a firmware update failed and the '
            'thermostat rolled back to the previous version. It is not a hardware fault. '
            'Can you check Menu > Settings > Network > Signal and tell me the number?'
        )),
        ('customer', 'It says -81 dBm, weak'),
        ('agent', (
            'That explains it: below -75 dBm the connection drops during the download. '
            'Since E42 has now appeared twice, please do a factory reset from Menu > '
            'Settings > Device > Reset, set up Wi-Fi again, and then run Menu > Settings '
            '> Software > Check for update while your phone is not streaming anything.'
        )),
        ('customer', 'OK, doing it now.'),
        ('customer', 'The reset is done and it updated to 4.2.1, no error this time.'),
        ('agent', (
            "Great. To stop it happening again, I'd suggest moving the router closer or "
            'adding a Lumen Hub, which talks to the T2 over Thread and reaches further '
            'through walls.'
        )),
        ('customer', "Good to know, I'll think about the Hub. Thanks!"),
        ('agent', "You're welcome. Is there anything else I can help with?"),
        ('customer', 'No, all good.'),
    ]),
    _ticket('T-1007', 'email', [
        ('customer', (
            'Hi, geofencing keeps switching our house to Away while my husband is at '
            'home working. It works fine for me. Any idea? Marta Lindqvist'
        )),
        ('agent', (
            'Hi Marta, thanks for writing in. Geofencing only counts phones of people '
            'who are members of the home. Could you check Home > Members in the app and '
            'tell me who is listed?'
        )),
        ('customer', 'Only me. He just uses my login on his phone sometimes.'),
        ('agent', (
            "That's the cause: the app on his phone isn't counted as a separate person, "
            'so when your phone leaves, the home switches to Away. Please invite him '
            'under Home > Members > Invite so he can sign in with his own Lumen account, '
            'and ask him to set location access to Always (or Allow all the time on '
            'Android).'
        )),
        ('customer', 'Done, he accepted the invitation and set location to Always.'),
        ('agent', (
            "Perfect. You can check Home > Geofencing > Who's home to see both of you "
            'now. The invitation is the fix; the home will stay at Home while either of '
            'you is inside the radius.'
        )),
        ('customer', 'It shows both of us. Thank you!'),
        ('agent', "Glad that's sorted. Anything else I can help with?"),
        ('customer', 'No, thanks.'),
        ('agent', 'Have a lovely week, Marta.'),
    ]),
]  # fmt: skip

CALL_CUES = [  # (start, end, speaker, text) of call-2025-03-14.vtt
    ('00:00:01.000', '00:00:06.500', 'Agent', (
        'Thank you for calling Lumen Home support, my name is Sam. How can I help '
        'you today?'
    )),
    ('00:00:07.000', '00:00:15.200', 'Customer', (
        'Hi Sam. I bought a Lumen T2 and a Hub from your website about six weeks ago '
        "and I'd like to return the thermostat. We're moving to a flat with electric "
        'baseboard heating.'
    )),
    ('00:00:15.800', '00:00:22.000', 'Agent', (
        "I'm sorry to hear it won't suit the new place. Could you give me the order "
        'number? It starts with LH.'
    )),
    ('00:00:22.500', '00:00:26.000', 'Customer', "Yes, it's LH-106552."),
    ('00:00:26.500', '00:00:38.000', 'Agent', (
        'Thank you. I can see the order was delivered on the 1st of February, so '
        "that's 41 days ago. The standard return window is 30 days, but you have "
        'Lumen Care on this home, which gives you a 60-day return window. So you can '
        'still return it.'
    )),
    ('00:00:38.500', '00:00:42.000', 'Customer', (
        "Oh, that's great. Do I have to pay for shipping?"
    )),
    ('00:00:42.500', '00:00:55.000', 'Agent', (
        'For a change-of-mind return there is normally a $7.95 return shipping fee '
        'taken off the refund. Since the baseboard heating is line-voltage and the '
        "T2 can't be used there at all, I've waived the fee for you."
    )),
    ('00:00:55.500', '00:01:10.000', 'Agent', (
        "I've created the return for the T2 on order LH-106552 and waived the $7.95 "
        "return shipping fee, so you'll get the full $179 back. The prepaid return "
        'label is on its way to your email. Please remove the thermostat from your '
        'account first, under Devices, T2, Remove device, and ship it within 14 days.'
    )),
    ('00:01:10.500', '00:01:16.000', 'Customer', (
        'Perfect. And the Hub? I might keep that for the new place.'
    )),
    ('00:01:16.500', '00:01:24.000', 'Agent', (
        "That's fine, the Hub can stay on the order. You'd only need to return it "
        'with the thermostat if it had been bought as the Starter Kit bundle.'
    )),
    ('00:01:24.500', '00:01:29.000', 'Customer', (
        'No, I bought them separately. How long does the refund take?'
    )),
    ('00:01:29.500', '00:01:40.000', 'Agent', (
        'Once the parcel reaches our warehouse we inspect it and issue the refund '
        'within 5 business days, and then your bank takes 3 to 10 business days. '
        'Most people see it within two to three weeks of sending it.'
    )),
    ('00:01:40.500', '00:01:43.000', 'Customer', 'Okay, thanks a lot, Sam.'),
    ('00:01:43.500', '00:01:48.000', 'Agent', (
        "You're welcome. Is there anything else I can help you with today?"
    )),
    ('00:01:48.500', '00:01:51.000', 'Customer', "No, that's all. Bye."),
    ('00:01:51.500', '00:01:55.000', 'Agent', (
        'Thank you for calling Lumen Home. Good luck with the move!'
    )),
]  # fmt: skip

# The agent's fix in each sample, and what was wrongly chosen before the fix was detected.
FIXES = {
    "T-1001": "I've refunded the duplicate charge of $179",
    "T-1002": "I've cancelled the newer subscription from 5 February and refunded",
    "T-1003": "The fix is to fit the LPA-1 at your furnace",
    "T-1004": "I've sent a replacement Power Adapter under warranty",
    "T-1005": "I changed your heat pump setting to O/B = B",
    "T-1006": "please do a factory reset",
    "T-1007": "Please invite him under Home > Members > Invite",
    "call-2025-03-14": "I've created the return for the T2 on order LH-106552",
}
NOT_THE_FIX = {
    "T-1001": "3-10 business days",  # a timeline after the fix
    "T-1002": "I can see two active",  # the diagnosis
}


def _vtt(cues: list[tuple[str, str, str, str]]) -> str:
    blocks = [
        f"{number}\n{start} --> {end}\n<v {speaker}>{text}"
        for number, (start, end, speaker, text) in enumerate(cues, 1)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Interaction]:
    """The eight sample interactions, read by the readers ingest uses."""
    out = {r["interaction_id"]: record_to_interaction(r, "tickets.jsonl") for r in TICKETS}
    path = tmp_path_factory.mktemp("calls") / "call-2025-03-14.vtt"
    path.write_text(_vtt(CALL_CUES), encoding="utf-8")
    (call,) = read_transcript(path)
    assert isinstance(call, Interaction)
    out[call.interaction_id] = call
    return out


def _said(*turns: tuple[str, str]) -> list[tuple[str, list[str]]]:
    return [(role, sentences(clean(text))) for role, text in turns]


# The eight samples: the fix is the resolution, and it is resolved.


@pytest.mark.parametrize("interaction_id", sorted(FIXES))
def test_the_resolution_of_each_sample_is_the_agents_fix(
    samples: dict[str, Interaction], interaction_id: str
) -> None:
    interaction = samples[interaction_id]
    summary = summarize(interaction)
    resolution = summary.section_text("resolution", markers=False)
    assert FIXES[interaction_id] in resolution
    assert NOT_THE_FIX.get(interaction_id, "\0") not in resolution
    assert summary.status == "resolved"
    for cite in summary.resolution:
        assert cite.role == "agent" and cite.quote in clean(interaction.turns[cite.turn].text)
    assert summary.status_source is not None


def test_the_resolution_chunk_written_at_ingest_holds_the_fix(
    samples: dict[str, Interaction], embedder: Embedder
) -> None:
    chunker = ConversationChunker(embedder.tokens, 200, summarize=resolution_sections)
    for interaction_id, phrase in FIXES.items():
        (chunk,) = [
            c for c in chunker.chunk(samples[interaction_id], "t", "h") if c.kind == "resolution"
        ]
        problem, resolution = chunk.text.split("\nResolution: ")
        assert problem.startswith("Problem: ")
        assert phrase in resolution and "(none recorded)" not in resolution
        assert chunk.metadata["outcome"] == "resolved"


def test_the_problem_keeps_the_error_code_and_drops_the_signature(
    samples: dict[str, Interaction],
) -> None:
    issue = summarize(samples["T-1004"]).section_text("issue", markers=False)
    assert "my T2 shows error E22 again" in issue
    assert "Lumen Power Adapter fitted at the furnace" in issue
    assert "Regards" not in issue
    assert "E22" in summarize(samples["T-1003"]).section_text("issue")
    assert "E42" in summarize(samples["T-1006"]).section_text("issue")


def test_a_confirmed_instruction_is_cited_by_the_customers_confirmation(
    samples: dict[str, Interaction],
) -> None:
    summary = summarize(samples["T-1003"])
    source = summary.status_source
    assert source is not None and source.role == "customer" and source.turn == 5
    fix = find_fix(_said(*((t.role, t.text) for t in samples["T-1003"].turns)))
    assert fix is not None and fix.kind == "instruction" and fix.confirmation is not None


# What is not a fix.


@pytest.mark.parametrize(
    "sentence",
    [
        "Can you check Menu > Settings > Equipment > Power and tell me what it shows?",
        "Could you try restarting the router?",
        "Hi Priya, thanks for getting in touch and sorry about the confusion.",
        "I'm so sorry about that!",
        "I can see two active Lumen Care subscriptions on the same home.",
        "I checked the order and there are two captured payments of $179.",
        "You will see it in 3-10 business days.",
        "The refund usually appears on your card within 3-10 business days.",
        "Anything else I can help you with?",
        "Have a great day!",
        "You're welcome, Tomasz. Stay warm!",
        "We've sent you a DM.",
        "Please DM us your order number.",
        "Once we've received the parcel, we'll issue the refund.",
        "Nothing has been reported to suggest this service will be delayed.",
        "I hope the issue has now been resolved for you.",
    ],
)
def test_questions_pleasantries_diagnoses_and_timelines_are_not_fixes(sentence: str) -> None:
    assert not is_action(sentence) and not is_instruction(sentence)


ACTIONS = [
    "I've refunded the charge.",
    "We have issued a credit of $10.",
    "I changed your setting to B.",
    "Your order has been cancelled.",
    "I've reset your password, can you try again?",
]
INSTRUCTIONS = [
    "Please reset the thermostat.",
    "Try clearing the app's cache.",
    "Turn off the breaker and fit the adapter.",
    "The fix is to fit the LPA-1.",
    "To resolve a blue screen error, follow the steps in this article.",
]


def test_actions_and_instructions_are_told_apart() -> None:
    for action in ACTIONS:
        assert is_action(action), action
    for step in INSTRUCTIONS:
        assert is_instruction(step) and not is_action(step), step


@pytest.mark.parametrize(
    ("reply", "worked", "broken"),
    [
        ("That worked, thanks!", True, False),
        ("thanks, fixed", True, False),
        ("It's back online.", True, False),
        ("Done. No E22 any more!", True, False),
        ("When will this be fixed?", False, False),
        ("It's still not working.", False, True),
        ("It worked for a bit and now it's down again.", False, True),
        ("No, that's all. Have a nice day.", False, False),
        ("I tried again and it works now!", True, False),
        ("Okay, it's hanging up again.", False, True),
    ],
)
def test_customer_replies(reply: str, worked: bool, broken: bool) -> None:
    assert (confirms(reply), still_broken(reply)) == (worked, broken)


def test_an_instruction_the_customer_never_confirms_is_not_the_fix() -> None:
    said = _said(
        ("customer", "My router keeps dropping the connection."),
        ("agent", "Please restart the router and wait two minutes."),
        ("customer", "OK, I'll try later."),
    )
    assert find_fix(said) is None


def test_something_else_working_is_a_clue_not_a_confirmation() -> None:
    said = _said(
        ("customer", "Unable to stream more than a few seconds."),
        ("agent", "If you haven't already, try unplugging for a few mins and restarting."),
        ("customer", "Using a Samsung TV. It works flawlessly with the Netflix app."),
    )
    assert find_fix(said) is None
    said[-1] = ("customer", sentences("Restarted it and it works fine with the app now, thanks!"))
    fix = find_fix(said)
    assert fix is not None and fix.confirmation is not None


def test_a_fix_followed_by_still_not_working_is_not_the_fix() -> None:
    turns = [
        ("customer", "The app crashes every time I open it."),
        ("agent", "I've reset your account, please open the app again."),
        ("customer", "It's still not working, same crash."),
    ]
    assert find_fix(_said(*turns)) is None
    summary = summarize(Interaction("c", "chat", [Turn(r, t) for r, t in turns]))
    assert summary.status == "pending"
    # a later fix that the customer confirms is the one chosen
    turns += [
        ("agent", "I've reinstalled the app licence on your account from our side."),
        ("customer", "That worked, thank you!"),
    ]
    fix = find_fix(_said(*turns))
    assert fix is not None and fix.turn == 3 and fix.confirmation == (4, "That worked, thank you!")
    assert summarize(Interaction("c", "chat", [Turn(r, t) for r, t in turns])).status == "resolved"


def test_a_confirmed_fix_beats_a_later_unconfirmed_action_and_a_hand_off_is_escalated() -> None:
    turns = [
        ("customer", "I was charged twice for my subscription."),
        ("agent", "I've refunded the second charge."),
        ("customer", "Great, thanks!"),
        ("agent", "I've also added a $5 credit to your account."),
    ]
    fix = find_fix(_said(*turns))
    assert fix is not None and fix.text == "I've refunded the second charge."
    handed = [
        Turn("customer", "My parcel never arrived."),
        Turn("agent", "I've escalated this to our delivery team."),
    ]
    summary = summarize(Interaction("c", "chat", handed))
    assert summary.status == "escalated"
    assert [c.quote for c in summary.resolution] == ["I've escalated this to our delivery team."]


@pytest.mark.parametrize(
    "sentence",
    [
        "I have sent your chats through to one of our Managers.",
        "We have updated your case for our specialist.",
        "We have already sent a report the relevant team.",
        "Staff have now been updated so any queries they'll be happy to help you.",
    ],
)
def test_a_referral_to_other_staff_is_a_hand_off_not_a_fix(sentence: str) -> None:
    turns = [
        ("customer", "I was promised a callback about my damaged sofa and nobody called."),
        ("agent", sentence),
        ("customer", "Thanks"),
    ]
    fix = find_fix(_said(*turns))
    assert fix is not None and fix.hands_off
    summary = summarize(Interaction("c", "chat", [Turn(r, t) for r, t in turns]))
    assert summary.status == "escalated"


def test_a_passive_inside_a_promise_is_not_an_action() -> None:
    promise = "We will update our records to show that your visitor status has been extended."
    assert not is_action(promise)
    for done in ("I have added you to the First Class waitlist.", "Your order has been cancelled."):
        fix = find_fix(_said(("customer", "Can I get on the list?"), ("agent", done)))
        assert is_action(done) and fix is not None and not fix.hands_off, done


# Real conversations (TweetSumm, read at run time only; its text is not copied here).


@pytest.mark.skipif(not TWEETSUMM.exists(), reason="needs ../shared/datasets/tweetsumm")
def test_tweetsumm_fixes_are_agent_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    with TWEETSUMM.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and len(rows) < 40:
                rows.append(json.loads(line))
    found = 0
    for row in rows:
        turns = [Turn(normalize_role(t["role"]), t["text"]) for t in row["turns"]]
        interaction = Interaction(str(row["interaction_id"]), "social", turns)
        summary = summarize(interaction)
        fix = find_fix(_said(*((t.role, t.text) for t in turns)))
        if fix is None:
            continue
        found += 1
        assert turns[fix.turn].role == "agent" and fix.text in clean(turns[fix.turn].text)
        assert [c.quote for c in summary.resolution] == [fix.text]
        assert summary.status in ("resolved", "escalated")
    with capsys.disabled():
        print(f"\nTweetSumm: a fix found in {found} of {len(rows)} conversations")
    assert 0 < found < len(rows)
