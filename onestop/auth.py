"""Login, logout, sessions that end, bearer tokens and the role checks every feature uses.

A session lives in Flask's signed cookie. Besides the user's id it holds the user's session
epoch at login, the login time and the time last seen; it ends when the epoch in the
database has moved on (logout, a new password), after SESSION_IDLE_MINUTES without a
request, or SESSION_MAX_HOURS after the login, whichever comes first.
"""

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from onestop import accounts, clock, ratelimit
from onestop.accounts import user_for_token
from onestop.exceptions import DomainError, Forbidden
from onestop.extensions import db, login_manager
from onestop.htmx import is_htmx
from onestop.models import User
from onestop.security import local_path

bp = Blueprint("auth", __name__)

__all__ = ["bp", "login_required", "role_required", "current_user"]


def role_required(*roles: str):
    """Allow only logged-in users with one of ``roles``; others get 403, anonymous users login."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def session_user_id() -> str | None:
    """The user id that this browser's signed session names, not checked in the database.

    Enough to key the answer "your copy is current" (304) of a staff screen's poll, which
    tells nothing the browser does not hold already; everything else checks the user.
    """
    return session.get("_user_id")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.limit(_login_limit, methods=("POST",))
def login():
    if request.method == "POST":
        username = (request.form.get("username") or "").strip().lower()
        user = accounts.authenticate(username, request.form.get("password") or "")
        if user is not None:
            start_session(user)
            return redirect(local_path(request.args.get("next"), url_for("main.home")), 303)
        flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
        return render_template("auth/login.html", username=username, demo_users=_demo_users()), 401
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("auth/login.html", username="", demo_users=_demo_users())


def _demo_users() -> list[User]:
    if not current_app.config["DEMO"]:
        return []
    return list(
        db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id).limit(40))
    )


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated and session.get("_user_id") is not None:
        # Every session of the user ends, not just this browser's: a cookie copied
        # from this machine (or left open on another) must not outlive the logout.
        accounts.end_sessions(current_user)
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"), 303)


# The session cookie is rewritten with a new "seen" time at most this often (seconds):
# a console polling every few seconds need not get a new cookie each time.
SEEN_RESOLUTION = 60
SESSION_STAMPS = ("epoch", "login_at", "seen_at")


def _now() -> int:
    return int(clock.now().timestamp())


def start_session(user: User) -> None:
    """Log ``user`` in on this browser, stamped with the user's current session epoch."""
    login_user(user)
    now = _now()
    session.update(epoch=user.session_epoch, login_at=now, seen_at=now)


def restamp_session(user: User) -> None:
    """Keep this browser's session after the user's epoch was raised by the user's own act."""
    session["epoch"] = user.session_epoch


def _session_alive(user: User) -> bool:
    epoch, login_at, seen_at = (session.get(key) for key in SESSION_STAMPS)
    if epoch != user.session_epoch or not isinstance(login_at, int) or not isinstance(seen_at, int):
        return False
    now = _now()
    config = current_app.config
    if (
        now - login_at >= config["SESSION_MAX_HOURS"] * 3600
        or now - seen_at >= config["SESSION_IDLE_MINUTES"] * 60
    ):
        g.session_expired = True
        return False
    if now - seen_at >= SEEN_RESOLUTION:
        session["seen_at"] = now
    return True


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id))
    if user is not None and user.active and _session_alive(user):
        return user
    # Forget the dead login, so the cookie goes back to the browser without it.
    for key in ("_user_id", "_fresh", "_id", *SESSION_STAMPS):
        session.pop(key, None)
    return None


@login_manager.request_loader
def _load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return user_for_token(header[len("Bearer ") :].strip())
    return None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        abort(401)
    if g.get("session_expired"):
        flash(_("Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."), "info")
    else:
        flash(_("Vui lòng đăng nhập để tiếp tục."), "info")
    if is_htmx():
        # A poll or a click inside a page: the whole page goes to the login, then back to it.
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = local_path(page.path + (f"?{page.query}" if page.query else ""), "/")
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url_for("auth.login", next=back)
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


class NotJson(DomainError):
    status = 415
    code = "not_json"


def _our_origins() -> set[tuple[str, str]]:
    origins = {(request.scheme, request.host)}
    if public := current_app.config["PUBLIC_URL"]:
        parts = urlsplit(public)
        origins.add((parts.scheme, parts.netloc))
    return origins


def _from_our_pages() -> bool:
    """Whether the browser says the request comes from one of our pages.

    Sec-Fetch-Site and Origin are set by the browser, not by the page's scripts. A client
    that sends neither (a script, an old browser) is judged by its Referer if any.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None and site is None:
        origin = request.headers.get("Referer")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return (parts.scheme, parts.netloc) in _our_origins()


def guard_api_writes() -> None:
    """Refuse a JSON API write that a browser's cookies would authenticate, unless it is JSON
    sent from our own pages.

    SameSite=Lax keeps cookies off cross-site posts, but not off posts from a sibling
    subdomain; and a text/plain body needs no CORS preflight. A body declared
    application/json does, and we answer none, so another site cannot send one. Bearer-token
    clients carry no cookie of ours to abuse and are not concerned; kiosks (their device
    cookie) are.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.path.startswith("/api/"):
        return
    if request.headers.get("Authorization", "").startswith("Bearer ") or not request.cookies:
        return
    if (request.content_type or request.content_length) and not request.is_json:
        raise NotJson(
            _(
                "Yêu cầu ghi gửi kèm cookie đăng nhập phải có nội dung JSON "
                "(Content-Type: application/json)."
            )
        )
    if not _from_our_pages():
        raise Forbidden(_("Yêu cầu này không đến từ trang của hệ thống."), "cross_origin")


def init_app(app: Flask) -> None:
    login_manager.login_message = lazy_gettext("Vui lòng đăng nhập để tiếp tục.")
    app.before_request(guard_api_writes)
