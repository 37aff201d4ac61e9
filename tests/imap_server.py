"""A real IMAP server on 127.0.0.1 for the tests: Dovecot from Debian's packages, with one mailbox user.

Messages are put in the mailbox with APPEND, as a mail client or delivery agent would; the tests then read
what the worker left there (the processed folder) with a second client.
"""

import grp
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.mail_server import free_port

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
listen = 127.0.0.1
first_valid_uid = 1
first_valid_gid = 1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
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
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


class ImapServer:
    """Dovecot in a directory of its own; `url` is what IMAP_URL would say (plain IMAP: it is 127.0.0.1)."""

    username = "postkasse@kk.dk"
    password = "hemmelig-postkasse"

    def __init__(self) -> None:
        # A directory of its own under /tmp, open to Dovecot's users (pytest's tmp_path is closed to all but its owner).
        self.root, self.port = Path(tempfile.mkdtemp(prefix="besvar-imap-")), free_port()
        self.root.chmod(0o755)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"imap://127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        assert DOVECOT, "Dovecot is not installed"
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "users").write_text(f"{self.username}:{{PLAIN}}{self.password}\n")
        uid, gid = os.getuid(), os.getgid()
        # As root Dovecot drops to its own users (the package adds them); as anyone else it runs as that user.
        user, group = ("dovecot", "dovecot") if uid == 0 else (pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name)
        if uid == 0:
            uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
            for path in (self.root / "mail", self.root / "home"):
                os.chown(path, uid, gid)
        config = self.root / "dovecot.conf"
        config.write_text(_CONFIG.format(root=self.root, port=self.port, user=user, group=group, uid=uid, gid=gid))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with self.client():
                    return
            except (OSError, imaplib.IMAP4.error):
                if self.process.poll() is not None:
                    raise RuntimeError(f"Dovecot stopped: {self._log()}") from None
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not answer in 15 seconds: {self._log()}")

    def _log(self) -> str:
        log = self.root / "dovecot.log"
        errors = self.process.stderr.read().decode()[:2000] if self.process and self.process.stderr and self.process.poll() is not None else ""
        return errors + (log.read_text()[-2000:] if log.exists() else "")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        """A logged-in client, for putting messages in and looking at what is left."""
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.username, self.password)
        return imap

    def deliver(self, message: bytes, folder: str = "INBOX") -> None:
        """The message arrives in the folder (APPEND, as a delivery agent puts it there)."""
        with self.client() as imap:
            imap.append(folder, "", imaplib.Time2Internaldate(time.time()), message)

    def count(self, folder: str) -> int:
        """How many messages the folder holds (0 when it does not exist)."""
        with self.client() as imap:
            typ, data = imap.select(f'"{folder}"', readonly=True)
            return int(data[0]) if typ == "OK" and data and data[0] else 0
