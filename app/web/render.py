"""Page rendering: the Jinja environment for the UI, Danish labels, and the error pages."""

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app import formatting, policy
from app.errors import BesvarError
from app.inquiries import deadlines, queues, states
from app.letters import kinds

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters.update(long_date=formatting.long_date, short_date=formatting.short_date, number=formatting.number,
                             local_datetime=formatting.local_datetime, local_span=formatting.local_span)

STATUS = {"new": "Ny", "drafting": "Under udarbejdelse", "answered": "Besvaret", "closed": "Lukket",
          "anmodet": "Anmodet", "besvaret": "Besvaret", "annulleret": "Annulleret", "draft": "Kladde", "submitted": "Til godkendelse", "approved": "Godkendt"}
ROLE = {"drafter": "Sekretariat", "approver": "Direktør", "admin": "Administrator", "contributor": "Fagperson",
        "viewer": "Læseadgang", "operator": "Drift"}
ACTION = {
    "inquiry.create": "Henvendelse oprettet", "inquiry.correct": "Henvendelsens oplysninger rettet", "letter.create": "Brev oprettet", "letter.update": "Kladde gemt",
    "letter.submit": "Sendt til godkendelse", "letter.return": "Sendt retur", "letter.approve": "Godkendt",
    "letter.correct": "Rettelse startet", "letter.render": "Dokument dannet", "paragraph.create": "Afsnit oprettet",
    "paragraph.update": "Afsnit ændret", "statistic.create": "Nøgletal oprettet", "statistic.value": "Nyt tal",
    "inquiry.allocate": "Fordelt", "inquiry.hand_back": "Givet tilbage", "inquiry.draft": "Besvarelse påbegyndt",
    "inquiry.submit": "Svar til godkendelse", "inquiry.return": "Svar sendt retur", "inquiry.approve": "Besvaret",
    "inquiry.reopen": "Genåbnet", "inquiry.transfer": "Overdraget", "inquiry.decline": "Afvist", "inquiry.extend": "Frist ændret", "inquiry.remind": "Påmindelse sendt",
    "intake.receive": "Mail lagt i Indgående", "intake.accept": "Oprettet fra Indgående", "intake.discard": "Mail kasseret",
    "inquiry.ask": "Afventer bidrag", "inquiry.contributions_in": "Alle bidrag er inde",
    "contribution.ask": "Bidrag anmodet", "contribution.answer": "Bidrag modtaget", "contribution.ask_again": "Bidrag bedt uddybet",
    "contribution.cancel": "Bidrag annulleret",
    "bank.import": "Spørgsmålsbank indlæst", "user.login": "Logget ind", "user.deactivate": "Bruger deaktiveret", "user.activate": "Bruger genaktiveret", "letter.export": "Eksporteret",
    "letter.dispatch": "Registreret som sendt", "inquiry.publish": "Offentliggjort", "inquiry.unpublish": "Fjernet fra de offentlige sider",
    "council_list.save": "Byrådsliste gemt", "council_list.delete": "Byrådsliste slettet",
}
KIND = {key.value: kind.label for key, kind in kinds.REGISTRY.items()}
templates.env.globals.update(STATUS=STATUS, ROLE=ROLE, ACTION=ACTION, STATE=states.LABELS, QUEUE=queues.LABELS, KIND=KIND,
                             DRAFT_READY=deadlines.DRAFT_READY_WORKING_DAYS, may=policy.may)

# Messages for errors the services raise in English for the API; the pages speak Danish.
# No inline scripts or styles anywhere; frames only from here (the PDF preview), never framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "object-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_TITLES = {400: "Forespørgslen kunne ikke læses", 403: "Ingen adgang", 404: "Siden findes ikke",
           405: "Siden kan ikke bruges sådan", 409: "Sagen er ændret", 410: "Linket virker ikke længere", 413: "For stort", 422: "Ret oplysningerne",
           429: "For mange forsøg", 500: "Der skete en fejl", 503: "Prøv igen om lidt"}
_DANISH = {
    400: "Det sendte kunne ikke læses. Gå tilbage, og prøv igen.",
    401: "Du er ikke logget ind.",
    403: "Du har ikke adgang til dette.",
    404: "Siden eller sagen findes ikke. Måske er adressen skrevet forkert, eller sagen er slettet.",
    405: "Siden kan ikke bruges på den måde. Gå tilbage, og brug knapperne på siden.",
    500: "Der skete en fejl i Besvar. Prøv igen om lidt; sker det igen, så kontakt it-afdelingen.",
    409: "Handlingen kunne ikke udføres, fordi sagen er ændret eller har skiftet status i mellemtiden. Genindlæs siden.",
    413: "Det sendte er for stort.",
    422: "Oplysningerne kunne ikke bruges. Ret dem og prøv igen.",
    429: "For mange forsøg. Vent lidt og prøv igen.",
    503: "Dokumentet kunne ikke dannes lige nu. Prøv igen om lidt.",
}


def page(request: Request, name: str, *, status: int = 200, **context) -> HTMLResponse:
    """A page with the logged-in user, the CSRF token and the navigation."""
    auth = getattr(request.state, "auth", None)
    context |= {"user": auth.user if auth else None, "access": auth.access if auth else policy.Access(None, False), "csrf": auth.web.csrf_token if auth else ""}
    return templates.TemplateResponse(request, name, context, status_code=status)


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get."""
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, exc: BesvarError) -> HTMLResponse:
    """A Danish error page with the right status; messages already in Danish are shown as they are."""
    message = exc.detail if any(c in exc.detail for c in "æøåÆØÅ") else _DANISH.get(exc.status, "Der skete en fejl.")
    response = page(request, "error.html", status=exc.status, message=message, title=_TITLES.get(exc.status, "Det gik ikke"))
    # A 500 is answered outside the middleware that adds these to every other page.
    response.headers.update({"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                             "X-Frame-Options": "DENY"})
    return response
