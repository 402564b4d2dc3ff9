"""Reply parsing over a corpus of real-looking replies: what each mail client sends, and the text posted."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from practice.inbound import parse

ANSWER = "We pair the night nurse with the site manager for the second check.\n\nIt takes two minutes."

PLAIN = {
    "gmail_top_posting": (
        f"{ANSWER}\n\nOn Tue, 1 Dec 2026 at 09:14, CHILD portal <noreply@child.example> wrote:\n\n"
        "> Hello Core,\n>\n> Member asked the community for help:\n>\n>   Insulin double-checks at night\n"
    ),
    "apple_mail_signature": (
        f"{ANSWER}\n\nSent from my iPhone\n\n"
        "> On 1 Dec 2026, at 09:14, CHILD portal <noreply@child.example> wrote:\n>\n> Hello Core,\n"
    ),
    "thunderbird_bottom_posting": (
        "On 01/12/2026 09:14, CHILD portal wrote:\n> Hello Core,\n>\n> Member asked the community for help:\n"
        f">   Insulin double-checks at night\n\n{ANSWER}\n\n-- \nDr Core\nWard 7, St Elsewhere\n"
    ),
    "outlook_header_block": (
        f"{ANSWER}\n\nKind Regards,\nDr Core\n\n________________________________\n"
        "From: CHILD portal <noreply@child.example>\nSent: Tuesday, December 1, 2026 9:14 AM\n"
        "To: Core <core@example.org>\nSubject: New request: Insulin double-checks at night\n\nHello Core,\n"
    ),
    "german_outlook_client": (
        f"{ANSWER}\n\nViele Grüße\nDr. Kern\n\nAm Di., 1. Dez. 2026 um 09:14 Uhr schrieb CHILD portal "
        "<noreply@child.example>:\n> Hallo,\n"
    ),
    "french_gmail": (
        f"{ANSWER}\n\nLe mar. 1 déc. 2026 à 09:14, CHILD portal <noreply@child.example> a écrit :\n> Bonjour,\n"
    ),
    "italian_reply": f"{ANSWER}\n\nIl giorno mar 1 dic 2026 alle 09:14 CHILD portal ha scritto:\n> Ciao,\n",
    "hyphen_list_kept": (
        "Three things helped us:\n- a second nurse from the next ward\n- a checklist\n\n"
        "On Tue, 1 Dec 2026 at 09:14, CHILD portal <noreply@child.example> wrote:\n> Hello\n"
    ),
}
EXPECTED = {
    "hyphen_list_kept": "Three things helped us:\n- a second nurse from the next ward\n- a checklist",
}

HTML = {
    "gmail_html_only": (
        f'<div dir="ltr"><div>{ANSWER.split(chr(10))[0]}</div><div><br></div><div>It takes two minutes.</div></div>'
        '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, 1 Dec 2026 at 09:14, CHILD portal '
        '&lt;noreply@child.example&gt; wrote:<br></div><blockquote class="gmail_quote">Hello Core,</blockquote></div>'
    ),
    "outlook_html_only": (
        "<html><head><style>p {color: red}</style></head><body><div>"
        f"<p>{ANSWER.split(chr(10))[0]}</p><p>It takes two minutes.</p></div>"
        '<div id="Signature"><p>Dr Core | Ward 7</p></div>'
        '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> CHILD portal'
        "<br><b>Sent:</b> Tuesday</div><div>Hello Core, Member asked...</div></body></html>"
    ),
    "apple_mail_html_only": (
        f"<html><body><div>{ANSWER.split(chr(10))[0]}</div><div><br></div><div>It takes two minutes.</div>"
        '<div><br><blockquote type="cite"><div>On 1 Dec 2026, at 09:14, CHILD portal wrote:</div>'
        "<div>Hello Core,</div></blockquote></div><script>alert(1)</script></body></html>"
    ),
    "thunderbird_html_only": (
        f"<html><body><p>{ANSWER.split(chr(10))[0]}</p><p>It takes two minutes.</p>"
        '<div class="moz-cite-prefix">On 01/12/2026 09:14, CHILD portal wrote:<br></div>'
        '<blockquote type="cite">Hello Core,</blockquote><div class="moz-signature">-- <br>Dr Core</div></body></html>'
    ),
}


def _message(*, plain: str | None = None, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Core <core@example.org>"
    message["To"] = "reply+r1-u1-abc-0123456789abcdef01234567@reply.child.example"
    message["Subject"] = "Re: New request: Insulin double-checks at night"
    message["Message-ID"] = "<reply-1@mail.example.org>"
    if plain is not None:
        message.set_content(plain)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return message.as_bytes()


@pytest.mark.parametrize("client", sorted(PLAIN))
def test_it_posts_only_the_new_text_of_a_plain_reply(client):
    parsed = parse.parse(_message(plain=PLAIN[client]))
    assert parsed.text == EXPECTED.get(client, ANSWER)
    assert parsed.attachments == []


@pytest.mark.parametrize("client", sorted(HTML))
def test_it_converts_an_html_only_reply_safely_and_strips_its_quote(client):
    parsed = parse.parse(_message(html=HTML[client]))
    assert parsed.text == ANSWER
    assert "alert" not in parsed.text and "<" not in parsed.text


def test_it_prefers_the_plain_part_of_a_multipart_reply():
    parsed = parse.parse(_message(plain=PLAIN["gmail_top_posting"], html="<p>Something else</p>"))
    assert parsed.text == ANSWER


def test_it_lists_attachments_and_does_not_post_them():
    message = EmailMessage()
    message["From"] = "core@example.org"
    message.set_content(ANSWER)
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="protocol.pdf")
    message.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="chart.png")
    parsed = parse.parse(message.as_bytes())
    assert parsed.text == ANSWER
    assert parsed.attachments == ["protocol.pdf", "chart.png"]


def test_a_reply_that_is_only_a_quote_has_no_text():
    parsed = parse.parse(_message(plain="On Tue, 1 Dec 2026 at 09:14, CHILD portal wrote:\n> Hello Core,\n"))
    assert parsed.text == ""


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "auto_reply"},
        {"Precedence": "bulk"},
        {"From": "MAILER-DAEMON@mail.example.org"},
    ],
)
def test_it_recognises_automatic_messages(headers):
    message = EmailMessage()
    message["From"] = headers.pop("From", "core@example.org")
    for name, value in headers.items():
        message[name] = value
    message.set_content("I am out of the office until Monday.")
    assert parse.is_automatic(parse.message_from_bytes(message.as_bytes()))


def test_a_delivery_status_notification_is_automatic():
    raw = (
        b"From: Mail Delivery System <postmaster@mail.example.org>\r\nTo: noreply@child.example\r\n"
        b"Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert parse.is_automatic(parse.message_from_bytes(raw)) == "delivery status notification"


def test_a_person_writing_is_not_automatic():
    message = EmailMessage()
    message["From"] = "core@example.org"
    message["Auto-Submitted"] = "no"
    message.set_content(ANSWER)
    assert parse.is_automatic(parse.message_from_bytes(message.as_bytes())) == ""
