"""Receivers check the signature: right secret, untouched body, recent timestamp."""

import time

from escalade.webhooks.signing import compute_signature, sign, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"id":"1","event":"incident.opened","data":{}}'


def test_a_signed_body_verifies_with_the_same_secret_only() -> None:
    header = sign(SECRET, BODY)

    assert verify_signature(SECRET, header, BODY)
    assert verify_signature(SECRET, header, BODY.decode())
    assert not verify_signature("whsec_other", header, BODY)
    assert not verify_signature(SECRET, header, BODY.replace(b"{}", b'{"x":1}'))


def test_an_old_or_future_signature_is_refused_as_a_replay() -> None:
    now = time.time()
    header = sign(SECRET, BODY, timestamp=int(now) - 301)

    assert not verify_signature(SECRET, header, BODY, now=now)
    assert verify_signature(SECRET, header, BODY, tolerance=600, now=now)
    assert not verify_signature(SECRET, sign(SECRET, BODY, int(now) + 400), BODY, now=now)


def test_the_header_format_is_stripe_style_and_garbage_is_refused() -> None:
    t = int(time.time())
    digest = compute_signature(SECRET, t, BODY)

    assert sign(SECRET, BODY, timestamp=t) == f"t={t},v1={digest}"
    # While a secret is being replaced, several v1 values may come; one match is enough.
    assert verify_signature(SECRET, f"t={t}, v1={'0' * 64}, v1={digest}", BODY)
    for header in (None, "", "v1=abc", f"t={t}", f"t=soon,v1={digest}", f"t={t},v0={digest}"):
        assert not verify_signature(SECRET, header, BODY), header
