"""Historik as people read it: Danish events, people's names, one line per sitting of edits. Pure."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app import formatting
from app.models import AuditEntry

# Edits by one person with less than this between them are one sitting, shown as one line.
SITTING = timedelta(minutes=30)
# What the trail records for security (who opened what) but which changes nothing.
NOT_CHANGES = {"letter.render", "user.login"}
FIELDS = {"title": "titel", "answers": "svar", "letter_date": "dato", "recipient_name": "modtager",
          "recipient_title": "modtagers titel", "recipient_email": "modtagers e-mail", "copy_to": "kopi til",
          "salutation": "indledende hilsen", "intro": "indledning", "signatory_id": "underskriver", "initials": "initialer",
          "kind": "type", "text": "tekst", "asker": "spørger", "received_on": "modtaget", "deadline": "svarfrist",
          "case_refs": "sagsreferencer", "topics": "emner", "legal_refs": "lovhenvisninger", "review_by": "revideres senest"}
DATES = {"received_on", "deadline", "letter_date", "review_by"}
# Fields whose old and new value are shown; the others are only named (they are long or internal).
SHOWN = {"title", "letter_date", "recipient_name", "recipient_title", "copy_to", "salutation", "initials", "kind", "review_by",
         "asker", "received_on", "deadline", "case_refs"}


@dataclass
class Row:
    """One line of the history: when (a span, for a sitting), who, what, and its details in Danish."""

    at: datetime
    until: datetime | None
    who: str
    what: str
    details: list[str] = field(default_factory=list)
    count: int = 1


def rows(entries: list[AuditEntry], names: dict[str, str], actions: dict[str, str]) -> list[Row]:
    """The entries (oldest first) as lines: saves of one sitting folded, records of reading left out."""
    out: list[Row] = []
    changed: list[set[str]] = []
    for e in entries:
        if e.action in NOT_CHANGES:
            continue
        who = names.get(e.actor, e.actor)
        fields = set((e.detail or {}).get("changed", {}))
        last = out[-1] if out else None
        if e.action == "letter.update" and last is not None and last.what == "Redigeret" and last.who == who and \
                e.at - (last.until or last.at) < SITTING:
            last.until, last.count = e.at, last.count + 1
            changed[-1] |= fields
            last.details = _edited(changed[-1], last.count)
            continue
        if e.action == "letter.update":
            out.append(Row(at=e.at, until=None, who=who, what="Redigeret", details=_edited(fields, 1)))
            changed.append(set(fields))
            continue
        out.append(Row(at=e.at, until=None, who=who, what=actions.get(e.action, e.action), details=_details(e.detail or {})))
        changed.append(set())
    return out


def _edited(fields: set[str], count: int) -> list[str]:
    saves = f"{count} gemninger" if count > 1 else "1 gemning"
    named = ", ".join(sorted(FIELDS.get(f, f) for f in fields))
    return [f"{saves}" + (f": {named}" if named else "")]


def _details(detail: dict) -> list[str]:
    out = []
    if comment := detail.get("comment"):
        out.append(f"Kommentar: {comment}")
    for name, change in (detail.get("changed") or {}).items():
        label = FIELDS.get(name, name).capitalize()
        if name in SHOWN and isinstance(change, dict):
            before, after = change.get("before"), change.get("after")
            if name in DATES:
                before, after = _date(before), _date(after)
            out.append(f"{label}: {_short(before)} → {_short(after)}")
        else:
            out.append(f"{label} ændret")
    if detail.get("personal_data"):
        out.append("Mulige personoplysninger bekræftet: " + "; ".join(detail["personal_data"]))
    if detail.get("sha256"):
        out.append(f"Dokumenterne låst (SHA-256 PDF {detail['sha256'].get('pdf', '')[:16]}…)")
    if detail.get("supersedes"):
        out.append(f"Retter brev {detail['supersedes']}")
    if detail.get("target"):
        out.append("Hentet som fil" if detail["target"] == "download" else f"Til {detail['target']}")
    return out


def _date(value: object) -> object:
    try:
        return formatting.long_date(date.fromisoformat(str(value)))
    except ValueError:
        return value


def _short(value: object) -> str:
    text = "–" if value in (None, "") else str(value)
    return text if len(text) <= 80 else text[:79] + "…"
