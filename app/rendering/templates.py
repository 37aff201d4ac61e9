"""The letter templates folder, its Jinja environment, and the only URL fetcher WeasyPrint gets."""

import mimetypes
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app import formatting
from app.rendering import richtext

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "letter_templates"


@lru_cache
def environment() -> Environment:
    """Jinja with autoescaping: user text is always text, never markup or template code."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["genitive"] = formatting.genitive
    env.filters["long_date"] = formatting.long_date
    env.globals["answer_blocks"] = richtext.merged
    return env


def template_file(relative: str, root: Path = TEMPLATES_DIR) -> Path | None:
    """The file `relative` names under letter_templates/, or None if it is not a file inside it."""
    path = (root / relative).resolve()
    return path if path.is_relative_to(root.resolve()) and path.is_file() else None


class TemplateFetcher(URLFetcher):
    """Serves files under letter_templates/ and nothing else: no http(s), no data:, no other files.

    The containment check runs on the percent-decoded, resolved path, so neither
    `%2E%2E/` nor a symlink leads out of the folder.
    """

    def __init__(self, root: Path = TEMPLATES_DIR):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        # The uploaded logo of the letter being rendered ("besvar-upload:logo.svg" → bytes), set for one render.
        self.uploads: dict[str, tuple[bytes, str]] = {}

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url in self.uploads:
            data, mime = self.uploads[url]
            return URLFetcherResponse(url, data, {"Content-Type": mime})
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused to fetch {url!r}: only bundled files are allowed")
        path = template_file(unquote(parts.path), self.root)
        if path is None:
            raise ValueError(f"refused to fetch {url!r}: not a file under {self.root}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
