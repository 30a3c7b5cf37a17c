"""QR payloads: every kind round-trips through decode, ballots are signed and checked."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p311desk import codes, qr

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def test_checkin_and_form_and_url_round_trip():
    code = codes.new_code()
    assert qr.decode(qr.checkin_payload(code.lower())) == qr.Payload("checkin", code, value=code)
    form = qr.form_payload()
    decoded = qr.decode(form.lower())
    assert decoded.kind == "form" and decoded.value == form and len(form) == 10
    assert qr.decode("https://participa311.example/processes/pressupostos").kind == "url"
    assert qr.decode("???").kind == "unknown"


def test_payloads_use_only_characters_every_keyboard_layout_types_alike():
    q = uuid.uuid4()
    serial = qr.new_serial()
    for payload in (qr.ballot_payload(KEY, q, serial), qr.option_payload(KEY, q, serial, 3), qr.form_payload()):
        assert payload.isalnum() and payload.upper() == payload, payload


@given(st.uuids(), st.integers(min_value=0, max_value=1023))
def test_option_codes_verify_and_carry_their_option(question_id, option):
    serial = qr.new_serial()
    payload = qr.decode(qr.option_payload(KEY, question_id, serial, option))
    assert (payload.kind, payload.serial, payload.option) == ("option", serial, option)
    qr.verify(payload, KEY, question_id)


def test_forged_altered_and_foreign_ballot_codes_are_refused():
    q, other_q = uuid.uuid4(), uuid.uuid4()
    serial = qr.new_serial()
    good = qr.option_payload(KEY, q, serial, 1)
    with pytest.raises(qr.BadSignature, match="another question"):
        qr.verify(qr.decode(good), KEY, other_q)
    with pytest.raises(qr.BadSignature, match="signature"):
        qr.verify(qr.decode(qr.option_payload(OTHER_KEY, q, serial, 1)), KEY, q)
    # the same serial and signature claiming option 2 instead of 1: an altered code
    altered = good[:2 + qr.QUESTION_TAG_LEN + qr.SERIAL_LEN] + "AC" + good[-qr.MAC_LEN:]
    assert qr.decode(altered).option == 2
    with pytest.raises(qr.BadSignature):
        qr.verify(qr.decode(altered), KEY, q)
    ballot = qr.decode(qr.ballot_payload(KEY, q, serial))
    assert ballot.kind == "ballot" and ballot.serial == serial
    qr.verify(ballot, KEY, q)
    with pytest.raises(qr.BadSignature):
        qr.verify(qr.decode(codes.new_code()), KEY, q)
