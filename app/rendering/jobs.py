"""What a render process runs. The worker only names these: it never imports the renderers itself.

WeasyPrint and python-docx hold ~40 MB per process once imported; a worker that only hands
renders on has no use for them.
"""

from app.rendering.context import LetterContext


def pdf(ctx: LetterContext) -> bytes:
    """The document as PDF bytes."""
    from app.rendering import pdf as renderer

    return renderer.render(ctx)


def docx(ctx: LetterContext) -> bytes:
    """The document as DOCX bytes."""
    from app.rendering import docx as renderer

    return renderer.render(ctx)


def pdf_and_docx(ctx: LetterContext) -> tuple[bytes, bytes]:
    """Both documents, in one trip to a render process (an approval freezes both)."""
    return pdf(ctx), docx(ctx)
