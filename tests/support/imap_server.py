"""A real IMAP server for the reply-by-email tests: Debian's Dovecot on a loopback port, throwaway mailboxes.

``dovecot_imap`` writes a config into a temporary folder (listen on 127.0.0.1 at a free port, plain-text
passwords in a passwd-file, Maildir mailboxes in the folder, no TLS: loopback only) and runs
``dovecot -F -c <config>`` in the background as the current user (root on CI), then stops it and
removes the folder.
Without ``/usr/sbin/dovecot`` the test fails under CHILD_REQUIRE_SERVICES=1 and skips otherwise.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import port_open, skip_or_fail

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "replies", "imap-test-pass"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://{self.user}:{self.password}@{self.host}:{self.port}/{folder}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mail_owner() -> tuple[int, int]:
    """Dovecot refuses to open mailboxes as root: they belong to its own user when we are root."""
    if os.getuid() == 0 and _exists("dovecot"):
        entry = pwd.getpwnam("dovecot")
        return entry.pw_uid, entry.pw_gid
    return os.getuid(), os.getgid()


def _config(root: Path, port: int) -> str:
    uid, gid = _mail_owner()
    user = pwd.getpwuid(os.getuid()).pw_name
    gid_self = os.getgid()
    group = grp.getgrgid(gid_self).gr_name
    # Dovecot's own unprivileged users (created by the Debian package); the current user otherwise.
    internal = "dovecot" if _exists("dovecot") else user
    login = "dovenull" if _exists("dovenull") else user
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group if internal == user else "dovecot"}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def dovecot_imap() -> ImapServer:
    if not os.path.exists(DOVECOT):
        skip_or_fail("Dovecot (Debian package dovecot-imapd) is not installed: `make system-packages`")
    # Not under pytest's tmp folder (mode 0700): Dovecot's auth process runs as its own user.
    root = Path(tempfile.mkdtemp(prefix="child-dovecot-"))
    for folder in ("run", "state", "mail", "home"):
        (root / folder).mkdir()
    os.chmod(root, 0o755)  # noqa: S103 - Dovecot's own users must reach the config and the mailboxes
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    uid, gid = _mail_owner()
    for folder in ("mail", "home"):
        os.chown(root / folder, uid, gid)
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port))
    stderr = open(root / "stderr.log", "w")  # noqa: SIM115 - closed when the server stops
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 20
    while not port_open("127.0.0.1", port):
        if proc.poll() is not None or time.monotonic() > deadline:
            log = (root / "stderr.log").read_text() + (
                (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            )
            proc.kill()
            skip_or_fail(f"Dovecot did not start on 127.0.0.1:{port}: {log[-2000:]}")
        time.sleep(0.1)
    try:
        yield ImapServer(host="127.0.0.1", port=port, user=USER, password=PASSWORD)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stderr.close()
        if not os.environ.get("CHILD_KEEP_DOVECOT"):
            shutil.rmtree(root, ignore_errors=True)
