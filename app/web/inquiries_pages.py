"""Indbakke, ny henvendelse (paste an e-mail, get the questions), and one inquiry."""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app import formatting, policy
from app.bank.old_letters import sandbox
from app.bank.old_letters.reading import UnreadableFile
from app.contributions import service as contributions
from app.db import SessionDep
from app.errors import BesvarError, Conflict
from app.fields import IdPath
from app.inquiries import corrections, deadlines, queues
from app.inquiries import service as inquiry_service
from app.inquiries.parsing import parse_email
from app.inquiries.schemas import InquiryCorrection, InquiryIn
from app.letters import kinds
from app.letters import service as letter_service
from app.letters.schemas import LetterIn
from app.mail import outbox
from app.models import InquiryStatus, User
from app.organisations import service as organisation_service
from app.organisations import structure
from app.policy import Action
from app.routing import SessionRoute
from app.web import inquiry_view
from app.web.deps import Drafter, FormUser, PageUser, PostedForm
from app.web.forms import search_text, whole_number
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)

MAX_MAIL = 200_000  # characters of a pasted e-mail that are read for questions
MAX_MAIL_FILE_BYTES = 25 * 1024 * 1024  # a saved e-mail with its attachments (the upload limit of the page)
_FIELD_MESSAGES = {
    "title": "Skriv en titel (højst 500 tegn).",
    "asker": "Skriv spørgerens navn.",
    "received_on": "Skriv modtagelsesdatoen som en gyldig dato.",
    "deadline": "Fristen kan ikke ligge før modtagelsesdatoen.",
    "questions": "Skriv mindst ét spørgsmål (højst 10.000 tegn hver).",
    "case_refs": "Udfyld system, type og nummer for hver sagsreference.",
    "organisation": "Vælg en forvaltning.",
    "channel": "Vælg en kanal.",
}


PAGE_SIZE = 50
# The inbox's sortable columns: the name in the address, the service's order.
SORTABLE = {"frist": "deadline", "modtaget": "received", "titel": "title", "spoerger": "asker", "status": "status"}


@router.get("/indbakke", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, auth: PageUser, status: str = "", overdue: str = "", drafter: str = "",
          q: str = "", organisation: str = "", asker: str = "", fra: str = "", til: str = "", sort: str = "frist",
          side: str = "1", koe: str = "", samlet: str = "", udfoert: str = "", fejl: str = ""):
    """The work queues with their counts, and the inquiries, open ones by deadline first, a page at a time; filter,
    search questions and answers, sort by a column."""
    if auth.access.operator and not auth.access.roles:  # runs Besvar and has no inbox: their page is Kommuner
        return see_other("/admin/kommuner")
    queue = queues.Queue(koe) if koe in queues.Queue.__members__ else None
    status_filter = InquiryStatus(status) if status in InquiryStatus.__members__ else None
    drafter_id = whole_number(drafter)
    column = sort.lstrip("-")
    sort = sort if column in SORTABLE else "frist"
    number = min(whole_number(side) or 1, 100_000)
    filters = {"status": status, "overdue": overdue, "drafter": drafter, "q": q, "organisation": organisation,
               "asker": asker, "fra": fra, "til": til, "koe": queue.value if queue else ""}
    items, total = inquiry_service.list_(
        session, status=status_filter, queue=queue, overdue=True if overdue == "ja" else None, q=search_text(q),
        drafter_id=drafter_id, organisation=search_text(organisation, 100), asker=search_text(asker),
        received_from=_date_or_none(fra), received_to=_date_or_none(til), limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE, sort=("-" if sort.startswith("-") else "") + SORTABLE[sort.lstrip("-")],
        user=auth.user)
    drafters = {u.id: u for u in structure.members(session, policy.readable(auth.access), policy.roles_for(Action.draft))}
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {k: v for k, v in filters.items() if v}
    bulk_result = None
    if samlet in ("fordel", "frist", "paamind"):
        failed_ids = [n for n in (whole_number(p) for p in fejl.split(",")[:50]) if n is not None]
        bulk_result = {"done": whole_number(udfoert) or 0, "verb": {"fordel": "fordelt", "frist": "fik ny frist", "paamind": "påmindet"}[samlet],
                       "failed": [(i.title, "kunne ikke ændres: åbn henvendelsen for at se dens tilstand og fordeling")
                                  for i in inquiry_service.views(session, [i for i in failed_ids if _readable(session, auth, i)])]}
    return page(request, "inquiries/inbox.html", items=items, total=total, drafters=drafters, bulk_result=bulk_result,
                counts=queues.counts(session, user=auth.user), queue=queue,
                contributions_waiting=contributions.waiting_on(session, user=auth.user),
                mail_failed=outbox.failed_count(session, user=auth.user) if policy.may(auth.access, Action.manage) else 0,
                organisations=organisation_service.list_all(session, auth.user), filters=filters, sort=sort,
                paging={"number": number, "pages": pages,
                        "previous": urlencode(kept | {"sort": sort, "side": number - 1}) if number > 1 else None,
                        "next": urlencode(kept | {"sort": sort, "side": number + 1}) if number < pages else None},
                sort_links={name: urlencode(kept | {"sort": name if sort != name else f"-{name}"}) for name in SORTABLE})


def _readable(session, auth, inquiry_id: int) -> bool:
    try:
        inquiry_service.load(session, inquiry_id, user=auth.user)
    except BesvarError:
        return False
    return True


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _form_context(session, user: User, values: dict, errors: dict | None = None) -> dict:
    return {"values": values, "errors": errors or {}, "organisations": organisation_service.choices(session, user, Action.draft),
            "today": deadlines.today()}


@router.get("/henvendelser/ny", response_class=HTMLResponse, dependencies=[Drafter])
def new_inquiry(request: Request, session: SessionDep, auth: PageUser):
    """Paste the council member's e-mail."""
    own = next(iter(organisation_service.choices(session, auth.user, Action.draft)), None)
    # Received today, unless the pasted mail or the drafter says otherwise: most are registered the day they come.
    today = deadlines.today().isoformat()
    values = {"questions": ["", "", ""], "organisation": own.key if own else "", "received_on": today, "received_default": today}
    return page(request, "inquiries/new.html", **_form_context(session, auth.user, values))


@router.post("/henvendelser/ny", response_class=HTMLResponse, dependencies=[Drafter])
def new_inquiry_post(request: Request, session: SessionDep, auth: FormUser, form: PostedForm):
    """Either split the pasted e-mail into questions, or create the inquiry from the fields."""
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in ("mail", "title", "asker_name", "asker_role", "asker_email",
                                                   "received_on", "channel", "organisation")}
    values["questions"] = [str(q) for q in form.getlist("question")]
    values["case_refs"] = [
        {"system": str(s), "kind": str(k), "number": str(n)}
        for s, k, n in zip(form.getlist("case_system"), form.getlist("case_kind"), form.getlist("case_number"), strict=False)
    ]
    if form.get("action") == "fortolk":
        upload = form.get("mailfile")
        if isinstance(upload, UploadFile) and upload.filename:
            raw = upload.file.read(MAX_MAIL_FILE_BYTES + 1)
            try:
                if len(raw) > MAX_MAIL_FILE_BYTES:
                    raise UnreadableFile(upload.filename, f"mailen fylder over {MAX_MAIL_FILE_BYTES // (1024 * 1024)} MB")
                values["mail"] = sandbox.mail_text(upload.filename[:200], raw)
            except UnreadableFile as exc:
                return page(request, "inquiries/new.html", status=422, warning=f"Mailen kunne ikke læses: {exc.detail}",
                            **_form_context(session, auth.user, values))
        parsed = parse_email(values["mail"][:MAX_MAIL])
        values["questions"] = [q.text for q in parsed.questions] + [""]
        values["title"] = values["title"] or (parsed.title or "")
        values["asker_name"] = values["asker_name"] or (parsed.asker_name or "")
        values["asker_email"] = values["asker_email"] or (parsed.asker_email or "")
        # The pasted mail's date wins over the form's default (today, left as it was), never over a date typed.
        untouched = values["received_on"] == str(form.get("received_default", ""))
        if parsed.received_on and (not values["received_on"] or untouched):
            values["received_on"] = parsed.received_on.isoformat()
        elif untouched:
            values["received_default"] = values["received_on"]  # still today's default for the next mail pasted
        warning = None
        if not parsed.questions:
            note = None
            warning = ("Fandt ingen nummererede spørgsmål i teksten. Skriv spørgsmålene i felterne herunder, "
                       "eller sæt numre foran dem (1., 2., …) og find dem igen.")
        else:
            note = f"Fandt {len(parsed.questions)} spørgsmål. Ret dem til, og opret henvendelsen."
        if len(values["mail"]) > MAX_MAIL:
            warning = (f"Den indsatte tekst er på {len(values['mail']):,} tegn; kun de første {MAX_MAIL:,} er læst. "
                       "Indsæt kun selve henvendelsen.").replace(",", ".")
        return page(request, "inquiries/new.html", note=note, warning=warning, **_form_context(session, auth.user, values))
    body = {
        "title": values["title"],
        "asker": {"name": values["asker_name"], "role": values["asker_role"] or None, "email": values["asker_email"] or None},
        "received_on": values["received_on"],
        "channel": values["channel"] or "email",
        "organisation": values["organisation"] or None,
        "questions": [{"text": q} for q in values["questions"] if q.strip()],
        "case_refs": [r for r in values["case_refs"] if any(v.strip() for v in r.values())],
    }
    try:
        data = InquiryIn.model_validate(body)
        created = inquiry_service.create(session, data=data, user=auth.user)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): _FIELD_MESSAGES.get(str(e["loc"][0]), "Ugyldig værdi.") for e in exc.errors()}
        return page(request, "inquiries/new.html", status=422, **_form_context(session, auth.user, values, errors))
    except BesvarError as exc:
        field = (getattr(exc, "field", None) or "title").split(".")[0]
        errors = {field: _FIELD_MESSAGES.get(field, "Ugyldig værdi.")}
        return page(request, "inquiries/new.html", status=exc.status, **_form_context(session, auth.user, values, errors))
    return see_other(f"/henvendelser/{created.id}")


@router.get("/frist", response_class=HTMLResponse)
def deadline_preview(request: Request, session: SessionDep, auth: PageUser, received_on: str = "", organisation: str = ""):
    """The deadline for a received date, shown as soon as the date is typed (htmx)."""
    try:
        received = date.fromisoformat(received_on)
        if not 1990 <= received.year <= 2099:
            raise ValueError
    except ValueError:
        return HTMLResponse("Skriv modtagelsesdatoen for at se svarfristen.")
    # Only the rules of organisations the user may read; any other key is the user's own first organisation's.
    key = search_text(organisation, 100)
    readable = organisation_service.list_all(session, auth.user)
    org = next((o for o in readable if o.key == key), None) or next(iter(readable), None)
    days = org.deadline_days if org else 10
    due = deadlines.add_working_days(received, days)
    return HTMLResponse(f"Svarfrist: <strong>{formatting.long_date(due)}</strong> ({days} arbejdsdage)")


_NOTICES = {
    "rettet": "Oplysningerne er rettet. Historikken viser, hvad de var før.",
    "fordelt": "Henvendelsen er fordelt.", "offentliggjort": "Henvendelsen er offentliggjort.",
    "fjernet": "Henvendelsen er fjernet fra de offentlige sider.", "givet-tilbage": "Henvendelsen er givet tilbage til fordeling.",
    "frist": "Fristen er ændret. Overvej at sende et foreløbigt svar til spørgeren.",
}


@router.get("/henvendelser/{inquiry_id}", response_class=HTMLResponse)
def inquiry_page(request: Request, inquiry_id: IdPath, session: SessionDep, auth: PageUser, ok: str = ""):
    """One inquiry: its questions, its letters, buttons to start a brev or a notat, and its details to correct."""
    notice = _NOTICES.get(ok)
    return _inquiry_page(request, session, inquiry_id, notice=notice)


@router.post("/henvendelser/{inquiry_id}/ret", response_class=HTMLResponse, dependencies=[Drafter])
def correct_inquiry(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Correct the inquiry's title, asker, received date and case references; refused while a letter awaits approval."""
    values = {k: str(form.get(k, "")) for k in ("title", "asker_name", "asker_role", "asker_email", "received_on", "reason")}
    refs = [{"system": str(s), "kind": str(k), "number": str(n)} for s, k, n in
            zip(form.getlist("case_system"), form.getlist("case_kind"), form.getlist("case_number"), strict=False)]
    body = {"title": values["title"], "received_on": values["received_on"], "reason": values["reason"] or None,
            "asker": {"name": values["asker_name"], "role": values["asker_role"] or None, "email": values["asker_email"] or None},
            "case_refs": [r for r in refs if any(v.strip() for v in r.values())]}
    try:
        corrections.correct(session, inquiry_id=inquiry_id, data=InquiryCorrection.model_validate(body), user=auth.user)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): _FIELD_MESSAGES.get(str(e["loc"][0]), "Ugyldig værdi.") for e in exc.errors()}
        return _inquiry_page(request, session, inquiry_id, values=values | {"case_refs": refs}, errors=errors, status=422)
    except Conflict:
        errors = {"letter": "Et brev til henvendelsen venter på godkendelse. Det skal sendes retur, før oplysningerne kan rettes."}
        return _inquiry_page(request, session, inquiry_id, values=values | {"case_refs": refs}, errors=errors, status=409)
    return see_other(f"/henvendelser/{inquiry_id}?ok=rettet")


_inquiry_page = inquiry_view.render


@router.post("/henvendelser/{inquiry_id}/breve", dependencies=[Drafter])
def start_letter(request: Request, inquiry_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Start a draft brev, notat or interim reply."""
    inquiry_service.load(session, inquiry_id, user=auth.user, action=Action.draft)  # another's inquiry: 404, as in the address
    kind = str(form.get("kind")) if form.get("kind") in kinds.REGISTRY else "brev"
    letter = letter_service.create(session, data=LetterIn(inquiry_id=inquiry_id, kind=kind), user=auth.user)
    return see_other(f"/breve/{letter.id}")
