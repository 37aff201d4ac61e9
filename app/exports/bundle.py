"""The bundle of one approved letter: PDF, DOCX, metadata.json, metadata.xml, SHA256SUMS. Pure and reproducible."""

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree as ET

NAMESPACE = "urn:besvar:metadata:1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("xsi", XSI)
SCHEMA_FILE = "besvar-metadata-1.xsd"


@dataclass(frozen=True)
class Bundle:
    """File name → bytes, in the order they are written."""

    files: dict[str, bytes]
    date: date

    def sha256(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in self.files.items()}

    def zip(self) -> bytes:
        """A zip with fixed timestamps, permissions and order, so the same bundle gives the same bytes."""
        out = io.BytesIO()
        # A zip holds years 1980-2107 only; a date outside them (an old letter read in) gets the nearest.
        stamp = (min(max(self.date.year, 1980), 2107), self.date.month, self.date.day, 12, 0, 0)
        with zipfile.ZipFile(out, "w") as archive:
            for name in sorted(self.files):
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 3
                archive.writestr(info, self.files[name], compresslevel=6)
        return out.getvalue()


def _xml(parent: ET.Element, key: str, value) -> None:
    """Metadata as XML: dict → child elements, list → repeated <item>, scalars as text; None as xsi:nil, so an
    empty field is there in the XML as it is (null) in the JSON."""
    element = ET.SubElement(parent, key)
    if value is None:
        element.set(f"{{{XSI}}}nil", "true")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(element, k, v)
    elif isinstance(value, list):
        for v in value:
            _xml(element, "item", v)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def metadata_xml(metadata: dict) -> bytes:
    """The metadata as XML valid against besvar-metadata-1.xsd."""
    root = ET.Element("metadata", {"xmlns": NAMESPACE})
    for key, value in metadata.items():
        _xml(root, key, value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def build(*, base: str, pdf: bytes, docx: bytes, metadata: dict, on: date) -> Bundle:
    """The bundle; `metadata` gains the files' names, sizes and checksums."""
    documents = {f"{base}.pdf": pdf, f"{base}.docx": docx}
    metadata = {**metadata, "files": [
        {"name": name, "role": name.rsplit(".", 1)[1], "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in documents.items()]}
    files = {**documents,
             "metadata.json": (json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(),
             "metadata.xml": metadata_xml(metadata)}
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    return Bundle(files={**files, "SHA256SUMS": sums.encode()}, date=on)
