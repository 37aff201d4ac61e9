"""Where bundles go: a drop folder any ESDH import job can read, or an ESDH with a known API (GetOrganized)."""

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import quoteattr

import httpx

from app.errors import BesvarError
from app.exports.bundle import Bundle


class ExportFailed(BesvarError):
    """The target could not take the bundle; nothing was left half-written, and a retry is safe."""

    status = 502


class Target(Protocol):
    """A place a bundle can be delivered to; returns where it landed."""

    def describe(self) -> str: ...

    def deliver(self, bundle: Bundle, *, base: str, metadata: dict) -> str: ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DropFolder:
    """One folder per bundle, written under a temporary name, fsynced, then renamed into place.

    An import job therefore never sees a half bundle, and a run killed half-way leaves only a
    hidden temporary folder, which the next delivery removes.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def describe(self) -> str:
        return f"folder:{self.path}"

    def _write(self, path: Path, data: bytes) -> None:
        with open(path, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def deliver(self, bundle: Bundle, *, base: str, metadata: dict) -> str:
        if not self.path.is_dir():
            raise ExportFailed(f"drop folder {self.path} does not exist or is not a folder")
        final = self.path / base
        for stale in self.path.glob(f".{base}.besvar-tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        if final.exists():
            # Delivered before (a run died after the rename, before it was recorded): the same bytes are fine.
            if all((final / name).is_file() and (final / name).read_bytes() == data for name, data in bundle.files.items()):
                return str(final)
            raise ExportFailed(f"{final} exists with other content; move it away before exporting again")
        tmp = self.path / f".{base}.besvar-tmp-{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir()
            for name, data in bundle.files.items():
                self._write(tmp / name, data)
            _fsync_dir(tmp)
            os.rename(tmp, final)
            _fsync_dir(self.path)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ExportFailed(f"drop folder {self.path}: {exc.strerror or exc}") from exc
        return str(final)


# What journalisation needs, in the KLE terms GetOrganized (and SBSYS) file by: the column each Besvar field goes
# to. A site's list may name its columns otherwise (internal names, a space as _x0020_): export.getorganized.columns.
JOURNAL_COLUMNS = {"kle": "KLE", "kle_action": "Handlingsfacet", "journal_date": "Journaldato", "access": "Adgang",
                   "drafted_by": "Sagsbehandler", "case_number": "Sagsnummer"}
ACCESS_WORDS = {"open": "Åben", "personal_data": "Indeholder personoplysninger", "confidential": "Fortrolig"}


def journal_fields(metadata: dict) -> dict[str, str]:
    """Besvar's metadata as the journal fields a KLE-based records system takes ("" where there is none)."""
    case = next((r["number"] for r in metadata["case_refs"] if r["kind"].lower().startswith("sag")), "")
    return {"kle": metadata["kle"]["subject_number"] or "", "kle_action": metadata["kle"]["action_facet"] or "",
            "journal_date": metadata["journal_date"], "access": ACCESS_WORDS[metadata["access"]],
            "drafted_by": (metadata["drafted_by"] or {}).get("name", ""), "case_number": case}


class GetOrganized:
    """GetOrganized's `_goapi/Documents/AddToCase`: the PDF with its metadata as a `<z:row ows_...>` row."""

    def __init__(self, url: str, *, list_name: str = "Dokumenter", folder_path: str = "", case_system: str = "GetOrganized",
                 username: str | None = None, password: str | None = None, timeout: float = 30.0,
                 columns: dict[str, str] | None = None):
        self.url, self.list_name, self.folder_path, self.case_system = url.rstrip("/"), list_name, folder_path, case_system
        self.auth = (username, password or "") if username else None
        self.timeout = timeout
        self.columns = {**JOURNAL_COLUMNS, **(columns or {})}

    def describe(self) -> str:
        return f"getorganized:{self.url}"

    def _row(self, metadata: dict) -> str:
        fields = {
            "Title": metadata["title"],
            "Dokumentdato": metadata["document_date"],
            "Dokumenttype": metadata["document_type"],
            "Modtager": ", ".join(r["name"] for r in metadata["recipients"]),
            "Afsender": f'{metadata["sender"]["municipality"]}, {metadata["sender"]["organisation"]}',
            "Godkendt_x0020_af": (metadata["approver"] or {}).get("name", ""),
            **{self.columns[name]: value for name, value in journal_fields(metadata).items()},
        }
        attrs = " ".join(f"ows_{k}={quoteattr(str(v))}" for k, v in fields.items())
        return f'<z:row xmlns:z="#RowsetSchema" {attrs} />'

    def deliver(self, bundle: Bundle, *, base: str, metadata: dict) -> str:
        case_id = next((r["number"] for r in metadata["case_refs"] if r["system"].lower() == self.case_system.lower()), None)
        if case_id is None:
            raise ExportFailed(f"the inquiry has no {self.case_system} case number to file under")
        pdf = bundle.files[f"{base}.pdf"]
        body = {"CaseId": case_id, "ListName": self.list_name, "FolderPath": self.folder_path,
                "FileName": f"{base}.pdf", "Metadata": self._row(metadata),
                # GetOrganized's .NET endpoint takes the file as a byte array.
                "Bytes": list(pdf), "Overwrite": False}
        try:
            response = httpx.post(f"{self.url}/_goapi/Documents/AddToCase", content=json.dumps(body),
                                  headers={"Content-Type": "application/json"}, auth=self.auth, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ExportFailed(f"GetOrganized at {self.url} did not answer: {exc}") from exc
        if response.status_code >= 300:
            raise ExportFailed(f"GetOrganized refused the document: HTTP {response.status_code} {response.text[:200]}")
        document_id = response.json().get("DocId") if response.headers.get("content-type", "").startswith("application/json") else None
        return f"{self.url} case {case_id} document {document_id}"
