"""Login, logout, bearer tokens and the role checks every feature uses."""

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from onestop import ratelimit
from onestop.accounts import user_for_token
from onestop.extensions import db, login_manager
from onestop.models import User

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


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.limit(_login_limit, methods=("POST",))
def login():
    if request.method == "POST":
        username = (request.form.get("username") or "").strip().lower()
        password = request.form.get("password") or ""
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None and user.active and user.check_password(password):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), 303)
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
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"), 303)


@login_manager.user_loader
def _load_user(user_id: str):
    return db.session.get(User, int(user_id))


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
    flash(_("Vui lòng đăng nhập để tiếp tục."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    login_manager.login_message = lazy_gettext("Vui lòng đăng nhập để tiếp tục.")
