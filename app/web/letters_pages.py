"""Kladde: the draft editor, its actions and autosave, submit, documents and corrections."""

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app import formatting, policy
from app.approval import service as approval_service
from app.approval.checks import PLACEHOLDER_TEXT, Unfinished
from app.contributions import service as contributions
from app.contributions.schemas import ContributionOut
from app.db import SessionDep, stored
from app.dispatch import service as dispatch_service
from app.errors import BesvarError, Conflict, Invalid
from app.exports import service as export_service
from app.fields import KEY_PATTERN, IdPath
from app.formatting import content_disposition, local_datetime
from app.inquiries import service as inquiry_service
from app.inquiries.deadlines import today as danish_today
from app.letters import kinds
from app.letters import service as letter_service
from app.letters.schemas import LetterOut, LetterUpdate, SubmitIn
from app.library import service as library_service
from app.library import sharing
from app.library.suggest import suggest
from app.models import (
    Contribution,
    ExportRecord,
    Letter,
    LetterStatus,
    Organisation,
    ParagraphVersion,
    Statistic,
    User,
)
from app.policy import Action
from app.rendering.service import DOCX_TYPE, document
from app.routing import SessionRoute, long_running
from app.web.deps import Drafter, FormUser, PageUser, PostedForm
from app.web.forms import whole_number
from app.web.render import page, see_other

router = APIRouter(route_class=SessionRoute, include_in_schema=False)
_TEXT_FIELDS = ("title", "recipient_name", "recipient_title", "recipient_email", "copy_to", "salutation", "intro", "initials")
_MESSAGES = {
    "title": "Brevet skal have en titel (højst 500 tegn).",
    "letter_date": "Skriv datoen som en gyldig dato mellem 1990 og 2099.",
    "answers": "Et svar er for langt eller ufuldstændigt (højst 50.000 tegn pr. tekst).",
    "recipient_email": "E-mailadressen er for lang.",
    "signatory_id": "Vælg en underskriver fra listen.",
    "expected_answer_on": "Skriv den forventede svardato som en gyldig dato.",
}


def letter_view(session, letter_id: int, user: User, posted: dict | None = None) -> dict:
    """Everything the editor shows; `posted` replaces the stored answers and fields (after a conflict)."""
    letter = letter_service.get(session, letter_id=letter_id, user=user)
    inquiry = inquiry_service.get(session, inquiry_id=letter.inquiry_id, user=user)
    org_id = inquiry.organisation.id
    answering = sharing.answering(session, org_id)
    fields = {name: getattr(letter, name) for name in (*_TEXT_FIELDS, "kind", "letter_date", "expected_answer_on", "signatory_id",
                                                         "access")}
    answers = {a.question_id: [b.model_dump() for b in a.blocks] for a in letter.answers}
    if posted:
        fields |= posted["fields"]
        answers = posted["answers"]
    as_of = fields.get("letter_date") or danish_today()
    asked = {c.id: c for c in contributions.for_inquiry(session, inquiry_id=letter.inquiry_id, user=user)}
    versions = {}
    pids = {b["paragraph_id"] for blocks in answers.values() for b in blocks if b.get("paragraph_id")}
    if pids:
        for v in session.exec(select(ParagraphVersion).where(col(ParagraphVersion.paragraph_id).in_(pids))):
            versions[(v.paragraph_id, v.version)] = v
    questions = []
    for q in inquiry.questions:
        blocks = []
        for b in answers.get(q.id, []):
            if b.get("paragraph_id"):
                v = versions.get((b["paragraph_id"], b["paragraph_version"]))
                blocks.append({**b, "kind": "p", "title": v.title if v else "?",
                               "shown": library_service.render(session, v.text, as_of, organisation_id=org_id).text if v else ""})
            else:
                text = b.get("text") or ""
                # Show figures the way the letter will read them, under the text with its [[...]] codes.
                shown = library_service.render(session, text, as_of, organisation_id=org_id).text if "[[" in text else None
                source = asked.get(b.get("contribution_id") or 0)
                blocks.append({**b, "kind": "t", "shown": shown, "source": _provenance(source) if source else None})
        used = {b.get("paragraph_id") for b in blocks}
        inserted = {b.get("contribution_id") for b in blocks}
        questions.append({"id": q.id, "number": q.number, "text": q.text, "blocks": blocks,
                          "suggestions": [s for s in suggest(session, text=q.text, limit=4, exclude_question_id=q.id,
                                                             answering=answering)
                                          if s.paragraph_id not in used] if kinds.of(letter.kind).answers_questions else [],
                          # Answered contributions covering this question, beside it, until inserted here.
                          "contributions": [(c, _provenance(c)) for c in asked.values() if c.answer is not None
                                            and c.id not in inserted and (not c.question_ids or q.id in c.question_ids)]})
    people = letter_service.signatories(session, org_id)
    series, _total = library_service.list_statistics(session, q=None, limit=200, offset=0, user=None)
    usable = sharing.owners(session, {s.key for s in series}, answering, Statistic)
    stats = [{"key": s.key, "label": f"{s.label}: " + (f"{s.latest.formatted} ({s.latest.period_label})" if s.latest else "intet tal")
              + (f" ({usable[s.key]})" if usable[s.key] else "")}
             for s in sorted(series, key=lambda s: s.label) if s.key in usable]
    model = letter_service.load(session, letter_id, user=user)
    flags = approval_service.flags_for(session, model) if letter.status == LetterStatus.draft else []
    exports = session.exec(select(ExportRecord).where(col(ExportRecord.letter_id) == letter_id).order_by(col(ExportRecord.id))).all()
    sent = dispatch_service.of(session, letter_id) if letter.status == LetterStatus.approved else None
    lists = dispatch_service.council_lists(session, stored(session, Organisation, org_id).municipality_id or 0) if letter.status == LetterStatus.approved else []
    return {"letter": letter, "inquiry": inquiry, "fields": fields, "questions": questions, "people": people,
            "kind": kinds.of(letter.kind), "stats": stats, "flags": flags, "exports": exports, "sent": sent,
            "council_lists": lists, "channels": dispatch_service.CHANNELS, "today": danish_today()}


def _provenance(c: ContributionOut) -> str:
    """Who wrote a contribution, and when, as the editor marks its text."""
    when = f", {local_datetime(c.answered_at)}" if c.answered_at else ""
    return f"Bidrag fra {c.unit_name} ({c.answered_by}{when})"


def _parse(form, question_ids: set[int]) -> tuple[dict, dict[int, list[dict]]]:
    """Fields and answers from the editor form, in the order the blocks stand."""
    fields: dict[str, object] = {name: (str(form.get(name, "")).strip() or None) for name in _TEXT_FIELDS}
    fields["kind"] = str(form.get("kind") or "brev")
    fields["letter_date"] = str(form.get("letter_date") or "") or None
    if form.get("expected_answer_on") is not None:
        fields["expected_answer_on"] = str(form.get("expected_answer_on") or "") or None
    signatory = str(form.get("signatory_id") or "")
    fields["signatory_id"] = whole_number(signatory)
    if form.get("access") is not None:  # a form without the field (an old page) leaves the marking as it is
        fields["access"] = str(form.get("access") or "") or None
    answers: dict[int, list[dict]] = {qid: [] for qid in question_ids}
    for raw in form.getlist("blk"):
        parts = str(raw).split(":")
        numbers = [whole_number(p) for p in (parts[0], parts[2], parts[3], parts[4])] if len(parts) == 5 else [None]
        if None in numbers:
            raise Invalid("Formularen er ødelagt. Genindlæs siden.", field="answers")
        (qid, pid, ver, _), kind, idx = numbers, parts[1], parts[4]
        if qid not in answers:
            raise Invalid("Formularen hører til et andet brev. Genindlæs siden.", field="answers")
        if kind == "p":
            answers[qid].append({"paragraph_id": pid, "paragraph_version": ver, "text": None})
        else:
            # A text block's first number is the contribution it came from (0: none).
            answers[qid].append({"paragraph_id": None, "paragraph_version": None, "text": str(form.get(f"txt-{idx}", "")),
                                 "contribution_id": pid or None})
    return fields, answers


def _apply(action: str, answers: dict[int, list[dict]], form, session, letter: Letter, user: User) -> None:
    """Insert, move, remove or add a block, as the pressed button says."""
    verb, _, rest = action.partition(":")
    numbers = [whole_number(a) for a in rest.split(":")]
    args = [n for n in numbers if n is not None]
    if len(args) != len(numbers):
        return
    if verb in ("up", "down", "remove") and len(args) == 2:
        blocks, pos = answers.get(args[0], []), args[1]
        if 0 <= pos < len(blocks):
            if verb == "remove":
                blocks.pop(pos)
            else:
                other = pos - 1 if verb == "up" else pos + 1
                if 0 <= other < len(blocks):
                    blocks[pos], blocks[other] = blocks[other], blocks[pos]
    elif verb == "insert" and len(args) == 2 and args[0] in answers:
        paragraph = library_service.get_paragraph(session, paragraph_id=args[1], user=user)
        answers[args[0]].append({"paragraph_id": paragraph.id, "paragraph_version": paragraph.version, "text": None})
    elif verb == "text" and args[0] in answers:
        answers[args[0]].append({"paragraph_id": None, "paragraph_version": None, "text": PLACEHOLDER_TEXT})
    elif verb == "bidrag" and len(args) == 2 and args[0] in answers:
        # An answered contribution of this letter's inquiry, inserted as text that remembers where it came from.
        found = session.get(Contribution, args[1])
        if found is not None and found.inquiry_id == letter.inquiry_id and found.answer:
            answers[args[0]].append({"paragraph_id": None, "paragraph_version": None, "text": found.answer,
                                     "contribution_id": found.id})
    elif verb == "stat" and args[0] in answers:
        key = str(form.get(f"stat-{args[0]}", ""))
        # Only a series the letter's organisation may use: another's is not offered, nor taken from a crafted form.
        answering = sharing.answering(session, letter_service.organisation_of(session, letter))
        if re.fullmatch(KEY_PATTERN, key) and sharing.owners(session, {key}, answering, Statistic):
            text = f"[[{key}]] ([[{key}.periode]], kilde: [[{key}.kilde]])"
            answers[args[0]].append({"paragraph_id": None, "paragraph_version": None, "text": text})


def _update(fields: dict, answers: dict[int, list[dict]], version: int) -> LetterUpdate:
    payload = {**fields, "version": version, "answers": [
        {"question_id": qid, "blocks": [
            {"paragraph_id": b["paragraph_id"], "paragraph_version": b["paragraph_version"]} if b["paragraph_id"]
            else {"text": b["text"], "contribution_id": b.get("contribution_id")}
            for b in blocks if b["paragraph_id"] or (b["text"] or "").strip()]}
        for qid, blocks in answers.items()]}
    return LetterUpdate.model_validate(payload)


def _danish(exc: Exception) -> tuple[str, str | None]:
    """A Danish message (and the field) for what a save or submit ran into."""
    if isinstance(exc, ValidationError):
        loc = str(exc.errors()[0]["loc"][0])
        return _MESSAGES.get(loc, "Et felt har en ugyldig værdi."), loc
    if isinstance(exc, Conflict):
        return ("Brevet er gemt af en anden i mellemtiden, eller det har skiftet status. Din tekst står nedenfor; "
                "gem igen for at gemme den oven i."), None
    if isinstance(exc, Invalid):
        if exc.field == "confirm_personal_data":
            return "Teksten kan indeholde personoplysninger (se listen). Kontrollér dem, og bekræft før du sender.", exc.field
        if exc.field == "answers" and "characters" in exc.detail:
            return ("Brevet er for langt til ét dokument: højst 300.000 tegn med tallene udfyldt. "
                    "Del svarene i flere breve."), exc.field
        if exc.field == "expected_answer_on":
            return "Skriv den dato, spørgeren kan forvente svaret: i dag eller senere.", exc.field
        if exc.field == "intro":
            return "Skriv brevets tekst.", exc.field
        if exc.field == "signatory_id":
            return "Vælg en underskriver fra forvaltningen, der svarer.", exc.field
        if exc.field == "recipient_name":
            return "Brevet mangler en modtager. Skriv modtagerens navn under Brevets felter.", exc.field
        if isinstance(exc, Unfinished):
            if all(g.problem == "no_answer" for g in exc.gaps):
                return "Alle spørgsmål skal have et svar, før brevet kan sendes til godkendelse.", exc.field
            numbers = sorted({g.number for g in exc.gaps})
            listed = ", ".join(map(str, numbers[:-1])) + (" og " if len(numbers) > 1 else "") + str(numbers[-1])
            return (f"Brevet kan ikke sendes til godkendelse endnu: se beskederne ved spørgsmål {listed}.", exc.field)
        return (exc.detail if any(c in exc.detail for c in "æøå") else "Et felt har en ugyldig værdi."), exc.field
    return "Der skete en fejl.", None


def _save(form, session, letter_id: int, auth) -> tuple[LetterOut | ValidationError | BesvarError, dict, dict, int]:
    """Parse, apply the action and save; returns (saved letter or the exception, fields, answers, version)."""
    letter = letter_service.load(session, letter_id, user=auth.user, action=Action.draft)
    question_ids = {q.id for q in inquiry_service.get(session, inquiry_id=letter.inquiry_id, user=auth.user).questions}
    version = str(form.get("version", ""))
    version_n = whole_number(version, below=10**9) or 0
    fields: dict = {}
    answers: dict[int, list[dict]] = {}
    try:
        fields, answers = _parse(form, question_ids)
        _apply(str(form.get("action", "save")), answers, form, session, letter, auth.user)
        saved = letter_service.update(session, letter_id=letter_id, data=_update(fields, answers, version_n), user=auth.user)
        return saved, fields, answers, saved.version
    except (ValidationError, BesvarError) as exc:
        session.rollback()
        return exc, fields, answers, version_n


@router.get("/breve/{letter_id}", response_class=HTMLResponse)
def editor(request: Request, letter_id: IdPath, session: SessionDep, auth: PageUser, ok: str = ""):
    """The draft editor; for letters no longer drafts, the document and its status."""
    view = letter_view(session, letter_id, auth.user)
    notice = {"indsendt": "Brevet er sendt til godkendelse.", "gemt": "Gemt.", "godkendt": "Brevet er godkendt.",
              "returneret": "Brevet er sendt retur til sekretariatet.",
              "sendt": "Afsendelsen er registreret."}.get(ok)
    # An approver opening a draft reads it; the editor's buttons would only end in 403.
    editable = view["letter"].status == LetterStatus.draft and policy.may(auth.access, Action.draft, view["inquiry"].organisation.id)
    return page(request, "letters/draft.html" if editable else "letters/view.html", notice=notice, **view)


@router.post("/breve/{letter_id}", response_class=HTMLResponse, dependencies=[Drafter])
def editor_post(request: Request, letter_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Save the form and do what the pressed button says; a conflict keeps the user's text on screen."""
    result, fields, answers, _version = _save(form, session, letter_id, auth)
    if isinstance(result, Exception):
        message, field = _danish(result)
        view = letter_view(session, letter_id, auth.user, posted={"fields": fields, "answers": answers} if fields else None)
        if isinstance(result, Conflict):
            view["letter"] = view["letter"].model_copy(update={"version": letter_service.load(session, letter_id, user=auth.user).version})
        status = getattr(result, "status", 422)
        return page(request, "letters/draft.html", status=status, error=message, error_field=field, **view)
    return see_other(f"/breve/{letter_id}?ok=gemt")


@router.post("/breve/{letter_id}/autosave", dependencies=[Drafter])
def autosave(letter_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Save without leaving the page (called by app.js while the user types)."""
    result, _fields, _answers, _version = _save(form, session, letter_id, auth)
    if isinstance(result, Exception):
        message, _field = _danish(result)
        current = letter_service.load(session, letter_id, user=auth.user)
        status = getattr(result, "status", 422)
        return JSONResponse({"message": message, "version": current.version, "conflict": status == 409}, status_code=status)
    return JSONResponse({"version": result.version, "message": f"Gemt kl. {formatting.short_time_now()}"})


@router.post("/breve/{letter_id}/indsend", response_class=HTMLResponse, dependencies=[Drafter])
def submit(request: Request, letter_id: IdPath, session: SessionDep, auth: FormUser, form: PostedForm):
    """Send the draft to the approver; a second click finds it sent already."""
    version = str(form.get("version", ""))
    data = SubmitIn(version=whole_number(version, below=10**9),
                    confirm_personal_data=form.get("confirm") == "ja")
    try:
        approval_service.submit(session, letter_id=letter_id, data=data, user=auth.user)
    except BesvarError as exc:
        session.rollback()
        current = letter_service.load(session, letter_id, user=auth.user)
        if isinstance(exc, Conflict) and current.status == LetterStatus.submitted:
            return see_other(f"/breve/{letter_id}?ok=indsendt")
        message, field = _danish(exc)
        template = "letters/draft.html" if current.status == LetterStatus.draft else "letters/view.html"
        gaps = {(g.question_id, g.index): g.danish() for g in exc.gaps} if isinstance(exc, Unfinished) else {}
        return page(request, template, status=exc.status, error=message, error_field=field, gaps=gaps,
                    **letter_view(session, letter_id, auth.user))
    return see_other(f"/breve/{letter_id}?ok=indsendt")


@router.post("/breve/{letter_id}/ret", dependencies=[Drafter])
def correct(request: Request, letter_id: IdPath, session: SessionDep, auth: FormUser):
    """Start a correction of an approved letter; a second click opens the correction already started."""
    letter_service.load(session, letter_id, user=auth.user, action=Action.draft)
    if (started := approval_service.correction_of(session, letter_id)) is not None:
        return see_other(f"/breve/{started}")
    try:
        new_id = approval_service.correct(session, letter_id=letter_id, user=auth.user).id
    except IntegrityError:
        # A parallel click won the race. Only a redirect follows: the rollback expires what the
        # error page would show.
        session.rollback()
        raced = approval_service.correction_of(session, letter_id)
        if raced is None:  # the index refused something other than a second correction
            raise
        new_id = raced
    return see_other(f"/breve/{new_id}")


@router.get("/breve/{letter_id}/dokument.{fmt}")
@long_running
def letter_document(request: Request, letter_id: IdPath, fmt: str, session: SessionDep, auth: PageUser):
    """The PDF (shown in the page) or DOCX (downloaded); frozen bytes once approved."""
    if fmt not in ("pdf", "docx"):
        return Response(status_code=404)
    content, name = document(session, user=auth.user, letter_id=letter_id, fmt=fmt,
                             timeout=request.app.state.settings.render_timeout_seconds)
    media = "application/pdf" if fmt == "pdf" else DOCX_TYPE
    disposition = "inline" if fmt == "pdf" else "attachment"
    return Response(content, media_type=media, headers={"Content-Disposition": content_disposition(disposition, name),
                                                        "Cache-Control": "no-store"})


@router.get("/breve/{letter_id}/esdh.zip")
@long_running
def esdh_bundle(letter_id: IdPath, session: SessionDep, auth: PageUser):
    """The ESDH bundle of an approved letter, to file by hand."""
    data, name = export_service.download(session, letter_id=letter_id, user=auth.user)
    return Response(data, media_type="application/zip", headers={"Content-Disposition": content_disposition("attachment", name),
                                                                 "Cache-Control": "no-store"})
