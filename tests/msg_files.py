"""Outlook .msg files for the tests, written with extract-msg's own OLE writer: the properties Outlook stores
for a mail (subject, sender, body, transport headers) and attachments, as streams of a compound file."""

import io
import struct

from extract_msg.ole_writer import OleWriter


def _unicode(text: str) -> bytes:
    return text.encode("utf-16-le")


def outlook_message(*, subject: str, body: str | None, sender_name: str, sender_email: str, date: str,
                    message_id: str, html: str | None = None,
                    attachments: list[tuple[str, bytes]] = (), embedded: bytes | None = None) -> bytes:
    """A mail as Outlook saves it; `embedded` is another such message attached as an Outlook item."""
    writer = OleWriter()
    _message(writer, "", subject=subject, body=body, html=html, sender_name=sender_name, sender_email=sender_email,
             headers=f"Date: {date}\r\nFrom: {sender_name} <{sender_email}>\r\nSubject: {subject}\r\n"
                     f"Message-ID: <{message_id}>\r\n\r\n",
             attachments=attachments, embedded=embedded, top=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _message(writer: OleWriter, root: str, *, subject: str, body: str | None, html: str | None, sender_name: str,
             sender_email: str, headers: str, attachments, embedded: bytes | None, top: bool) -> None:
    strings = {"0037": subject, "0C1A": sender_name, "0C1F": sender_email, "001A": "IPM.Note", "007D": headers}
    if body is not None:
        strings["1000"] = body
    for tag, value in strings.items():
        writer.addEntry(f"{root}__substg1.0_{tag}001F", _unicode(value))
    if html is not None:
        writer.addEntry(f"{root}__substg1.0_10130102", html.encode("utf-8"))
    if top:
        writer.addEntry("__nameid_version1.0", storage=True)
        for stream in ("00020102", "00030102", "00040102"):
            writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    count = len(attachments) + (1 if embedded else 0)
    # The properties stream starts with a header: 32 bytes for the top message, 24 for an embedded one.
    head = struct.pack("<8xIIII", 0, count, 0, count) + (b"\0" * 8 if top else b"")
    writer.addEntry(f"{root}__properties_version1.0", head)
    for n, (name, data) in enumerate(attachments):
        folder = f"{root}__attach_version1.0_#{n:08X}/"
        writer.addEntry(folder.rstrip("/"), storage=True)
        writer.addEntry(f"{folder}__substg1.0_3707001F", _unicode(name))
        writer.addEntry(f"{folder}__substg1.0_37010102", data)
        writer.addEntry(f"{folder}__properties_version1.0", b"\0" * 8 + struct.pack("<IIQ", 0x37050003, 6, 1))
    if embedded:
        _embed(writer, f"{root}__attach_version1.0_#{len(attachments):08X}/", embedded)


def _embed(writer: OleWriter, folder: str, message: bytes) -> None:
    """Another .msg as an attached Outlook item (attach method 5, its streams under __substg1.0_3701000D)."""
    import olefile

    writer.addEntry(folder.rstrip("/"), storage=True)
    writer.addEntry(f"{folder}__substg1.0_3707001F", _unicode("Oprindelig mail.msg"))
    writer.addEntry(f"{folder}__properties_version1.0", b"\0" * 8 + struct.pack("<IIQ", 0x37050003, 6, 5))
    inner = f"{folder}__substg1.0_3701000D"
    writer.addEntry(inner, storage=True)
    with olefile.OleFileIO(message) as ole:
        for path in ole.listdir(streams=True, storages=False):
            if path[0].startswith("__nameid"):
                continue  # an embedded message uses the top message's named properties
            data = ole.openstream(path).read()
            if path == ["__properties_version1.0"]:
                data = data[:24] + data[32:]  # the embedded message's header is 8 bytes shorter
            for depth in range(1, len(path)):
                storage = "/".join(path[:depth])
                try:
                    writer.addEntry(f"{inner}/{storage}", storage=True)
                except OSError:
                    pass  # added with an earlier stream
            writer.addEntry(f"{inner}/{'/'.join(path)}", data)
