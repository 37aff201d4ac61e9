"""LetterContext → PDF (tagged PDF/A-3a) through Jinja2 HTML and WeasyPrint."""

import gc
from datetime import date
from functools import lru_cache

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from app import formatting
from app.letters import kinds
from app.rendering import tagging
from app.rendering.context import UPLOADED_PNG, UPLOADED_SVG, Answer, LetterContext, Letterhead
from app.rendering.templates import TEMPLATES_DIR, TemplateFetcher, environment

PDF_VARIANT = "pdf/a-3a"  # archival and tagged (screen readers) at once; tagging.finish adds the PDF/UA-1 claim


@lru_cache
def _shared() -> tuple[FontConfiguration, CSS, TemplateFetcher]:
    # One FontConfiguration for the process: a new one per render grows memory by ~250 kB each time.
    fonts = FontConfiguration()
    tagging.record()
    fetcher = TemplateFetcher()
    css = CSS(filename=str(TEMPLATES_DIR / "print.css"), font_config=fonts, url_fetcher=fetcher)
    return fonts, css, fetcher


def html(ctx: LetterContext) -> str:
    """The document as HTML, from the kind's template in letter_templates/."""
    kind = kinds.of(ctx.kind)
    return environment().get_template(kind.template).render(ctx=ctx, kind=kind, answer_heading=f"{formatting.genitive(ctx.letterhead.name)} svar")


def render(ctx: LetterContext) -> bytes:
    """The document as PDF bytes."""
    fonts, css, fetcher = _shared()
    source = html(ctx).replace('<link rel="stylesheet" href="print.css">', "")
    document = HTML(string=source, base_url=f"{TEMPLATES_DIR.as_uri()}/", url_fetcher=fetcher)
    lh = ctx.letterhead
    fetcher.uploads = {url: (data, mime) for url, data, mime in ((UPLOADED_SVG, lh.uploaded_svg, "image/svg+xml"),
                                                                 (UPLOADED_PNG, lh.uploaded_png, "image/png")) if data}
    try:  # a render process renders one letter at a time: the uploads are this letter's only
        return document.write_pdf(stylesheets=[css], font_config=fonts, pdf_variant=PDF_VARIANT, finisher=tagging.finish)
    finally:
        fetcher.uploads = {}


def warm_up() -> None:
    """Load fonts and stylesheets once, then keep the long-lived heap out of the garbage collector's scans.

    Without the freeze, every full collection walks all font, CSS and ORM objects and adds
    about 95 ms to the render it lands in (one in ten renders).
    """
    letterhead = Letterhead(municipality="Kommune", name="Forvaltningen", unit=None, street=None, postcode=None,
                            city=None, phone=None, web=None, email=None)
    ctx = LetterContext(kind="brev", letterhead=letterhead, title="Opvarmning", date=date(2024, 1, 1),
                        recipient_name="Modtager", recipient_title=None, recipient_email=None, copy_to=None,
                        case_numbers=(), salutation=None, intro=None, answers=(Answer(1, "Spørgsmål?", ("Svar.",)),),
                        signatory_name=None, signatory_title=None, initials=None)
    render(ctx)
    gc.collect()
    gc.freeze()
