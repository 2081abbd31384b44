"""Response headers that keep the pages to their own scripts and out of frames, and the one
check every redirect to a user-supplied address goes through."""

import unicodedata
from urllib.parse import urlsplit

from flask import Flask


def content_security_policy(htmx_url: str) -> str:
    """The CSP: our own files, plus the origin of the pinned htmx file when it is remote."""
    scripts = ["'self'"]
    parts = urlsplit(htmx_url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        scripts.append(f"{parts.scheme}://{parts.netloc}{parts.path}")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(scripts)}",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def local_path(target: str | None, default: str) -> str:
    r"""``target`` if it is a path on this site, else ``default``.

    For every ``next=`` or ``back=`` redirect: an open redirect would let a phishing link
    borrow our address. Browsers drop tabs and newlines inside a URL and read a backslash
    as a slash, so "/<tab>/evil.example" and "/\evil.example" would leave the site.
    """
    if (
        not isinstance(target, str)
        or not target.startswith("/")
        or target[1:2] == "/"
        or "\\" in target
        or any(unicodedata.category(ch) == "Cc" for ch in target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def init_app(app: Flask) -> None:
    policy = content_security_policy(app.config["HTMX_URL"])

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
