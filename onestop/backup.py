"""Backups: one file holding a consistent copy of the database and the manifest that vouches for it.

The file is a tar archive of two members: the copy (``database.sqlite3`` made by
SQLite's online backup API, or ``database.pgdump`` made by pg_dump) and
``manifest.json``: the kind of database, when, the schema's migration revision, the
copy's size and SHA-256, and the row count of every table in the copied snapshot.
A restore checks all of it before it touches the database, and counts the rows again
afterwards.
"""

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from onestop import clock, dumps
from onestop.dumps import DumpError, Progress

FORMAT = "onestop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A copy that cannot be made, verified or restored; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """What the archive says about its copy."""

    kind: str
    created_at: str
    schema_revisions: list[str]
    size: int
    sha256: str
    rows: dict[str, int]
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Manifest":
        """Parse and check a manifest; BackupError when it is not one this code can trust."""
        try:
            fields = json.loads(data)
            if fields.get("format") != FORMAT:
                raise ValueError("not a Một Cửa backup")
            if fields.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"backup format {fields.get('format_version')!r} is unknown here")
            manifest = cls(**fields)
            dt.datetime.fromisoformat(manifest.created_at)
            valid = (
                manifest.kind in PAYLOADS
                and isinstance(manifest.size, int)
                and isinstance(manifest.sha256, str)
                and len(manifest.sha256) == 64
                and isinstance(manifest.rows, dict)
                and all(isinstance(n, int) and n >= 0 for n in manifest.rows.values())
                and isinstance(manifest.schema_revisions, list)
            )
            if not valid:
                raise ValueError("its fields are malformed")
        except (ValueError, TypeError, AttributeError) as error:
            raise BackupError(f"The manifest cannot be trusted: {error}.") from error
        return manifest


@dataclass(frozen=True)
class Outcome:
    """What a backup or a restore did, for its one-line summary."""

    path: Path
    manifest: Manifest
    seconds: float
    size: int

    def line(self, verb: str, where: str) -> str:
        m = self.manifest
        revision = ",".join(m.schema_revisions) or "not stamped"
        return (
            f"{verb} {m.kind} database {where}: {self.size / 1e6:,.1f} MB,"
            f" {m.total_rows:,} rows in {len(m.rows)} tables (schema {revision})"
            f" in {self.seconds:.1f} s."
        )


def code_revisions(migrations: str) -> set[str]:
    """Every migration revision that this version of the code knows."""
    return {script.revision for script in ScriptDirectory(migrations).walk_revisions()}


def code_heads(migrations: str) -> set[str]:
    """The newest migration revisions of this code (what ``db upgrade`` brings a database to)."""
    return set(ScriptDirectory(migrations).get_heads())


def _kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in PAYLOADS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def default_name() -> str:
    """``onestop-YYYYMMDD-HHMMSS.tar`` in local time: copies sort by name in time order."""
    return f"onestop-{clock.local_now():%Y%m%d-%H%M%S}.tar"


class _Hashing(io.RawIOBase):
    """Reads a file while computing its SHA-256 (so the archive is written in one pass)."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_backup(engine: Engine, output: Path, progress: Progress) -> Outcome:
    """Copy the database into a new archive: ``output`` is the file, or a folder for it.

    The archive appears under its name only once it is complete: it is written beside
    it as ``.partial`` first, then renamed. ``progress(done, total)`` follows the copy.
    """
    started = time.perf_counter()
    kind = _kind(engine)
    target = output / default_name() if output.is_dir() else output
    if target.exists():
        raise BackupError(f"{target} already exists.")
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = target.with_name(target.name + ".payload")
    partial = target.with_name(target.name + ".partial")
    created = clock.now()
    mine = []
    try:
        # A copy holds personal data: only its owner may read it, from the first byte.
        for path in (partial, payload):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            mine.append(path)
    except FileExistsError:
        for path in mine:
            path.unlink()
        raise BackupError(f"{path} exists: another backup is being written there.") from None
    try:
        if kind == "sqlite":
            snapshot = dumps.sqlite_dump(engine.url, payload, progress)
        else:
            snapshot = dumps.postgres_dump(engine, payload, progress)
        size = payload.stat().st_size
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            member = tarfile.TarInfo(PAYLOADS[kind])
            member.size, member.mtime, member.mode = size, int(created.timestamp()), 0o600
            with payload.open("rb") as handle:
                reader = _Hashing(handle)
                archive.addfile(member, reader)
            manifest = Manifest(
                kind=kind,
                created_at=created.isoformat(),
                schema_revisions=snapshot.revisions,
                size=size,
                sha256=reader.digest.hexdigest(),
                rows=snapshot.rows,
            )
            data = manifest.to_bytes()
            member = tarfile.TarInfo(MANIFEST)
            member.size, member.mtime, member.mode = len(data), int(created.timestamp()), 0o600
            archive.addfile(member, io.BytesIO(data))
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        _fsync_directory(target.parent)
    except DumpError as error:
        raise BackupError(str(error)) from error
    except OSError as error:
        raise BackupError(f"The backup could not be written: {error}.") from error
    finally:
        payload.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return Outcome(target, manifest, time.perf_counter() - started, target.stat().st_size)


@dataclass(frozen=True)
class VerifiedCopy:
    """A copy taken out of its archive whose checksum, kind and schema were checked."""

    archive: Path
    payload: Path
    manifest: Manifest
    outdated: bool  # made with an older schema: ``db upgrade`` is due after the restore
    seconds: float  # spent checking it


def _read_archive(
    path: Path, kind: str, workdir: Path, progress: Progress
) -> tuple[Manifest, Path]:
    try:
        with tarfile.open(path, "r:") as archive:
            names = archive.getnames()
            if MANIFEST not in names:
                raise BackupError(f"{path} is not a complete Một Cửa backup (no manifest).")
            manifest = Manifest.from_bytes(archive.extractfile(MANIFEST).read())
            if manifest.kind != kind:
                raise BackupError(
                    f"{path} is a copy of a {manifest.kind} database; the configured database"
                    f" is {kind}."
                )
            member = archive.getmember(PAYLOADS[kind])
            if not member.isfile() or member.size != manifest.size:
                raise BackupError(f"{path} is damaged: the copy's size is not the manifest's.")
            payload, digest, done = workdir / member.name, hashlib.sha256(), 0
            with archive.extractfile(member) as source, payload.open("wb") as target:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
                    done += len(chunk)
                    progress(done, member.size)
    except (tarfile.TarError, OSError, EOFError, KeyError) as error:
        raise BackupError(f"{path} is damaged or not a Một Cửa backup: {error}.") from error
    if digest.hexdigest() != manifest.sha256:
        raise BackupError(f"{path} is damaged: its checksum is not the one in its manifest.")
    return manifest, payload


@contextmanager
def open_copy(
    path: Path, engine: Engine, migrations: str, progress: Progress
) -> Iterator[VerifiedCopy]:
    """Take the copy out of the archive at ``path`` and check it; BackupError if it is untrusted.

    Refused: a file that is not a complete archive, a checksum that does not match, a
    copy of another kind of database, a schema newer than this code's migrations, and
    (SQLite) a copy whose row counts are not its manifest's. The copy is deleted on exit.
    """
    started = time.perf_counter()
    kind = _kind(engine)
    # SQLite: beside the live file (a large copy may not fit in /tmp; it is written anyway).
    parent = dumps.sqlite_path(engine.url).parent if kind == "sqlite" else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="onestop-restore-", dir=parent) as workdir:
        manifest, payload = _read_archive(path, kind, Path(workdir), progress)
        known = code_revisions(migrations)
        unknown = sorted(set(manifest.schema_revisions) - known)
        if unknown:
            raise BackupError(
                f"{path} has schema revision {', '.join(unknown)}, which this version of the"
                " code does not know: it was made by a newer version. Install that version first."
            )
        try:
            if kind == "sqlite":
                counted = dumps.sqlite_check(payload).rows
                if counted != manifest.rows:
                    raise BackupError(
                        f"{path} is damaged: its row counts differ from the manifest."
                    )
            else:
                dumps.postgres_check(payload)
        except DumpError as error:
            raise BackupError(str(error)) from error
        outdated = bool(manifest.schema_revisions) and set(manifest.schema_revisions) != code_heads(
            migrations
        )
        yield VerifiedCopy(path, payload, manifest, outdated, time.perf_counter() - started)


def restore_copy(copy: VerifiedCopy, engine: Engine, progress: Progress) -> Outcome:
    """Replace the configured database's tables with the copy's, then count every table again.

    BackupError when the restore fails (the database is then unchanged) or when the
    restored rows differ from the manifest.
    """
    started = time.perf_counter()
    try:
        if copy.manifest.kind == "sqlite":
            restored = dumps.sqlite_restore(copy.payload, engine.url, progress)
        else:
            restored = dumps.postgres_restore(
                copy.payload, engine, len(copy.manifest.rows), progress
            )
    except DumpError as error:
        raise BackupError(str(error)) from error
    finally:
        engine.dispose()  # the app's pooled connections knew the old tables
    differ = {
        name: (count, restored.rows.get(name))
        for name, count in copy.manifest.rows.items()
        if restored.rows.get(name) != count
    }
    if differ:
        detail = ", ".join(
            f"{n}: {want} expected, {got} found" for n, (want, got) in differ.items()
        )
        raise BackupError(f"Restored, but the row counts differ from the manifest: {detail}.")
    seconds = copy.seconds + time.perf_counter() - started
    return Outcome(copy.archive, copy.manifest, seconds, copy.manifest.size)


def describe(manifest: Manifest) -> str:
    """One line about a copy, to show before asking whether to restore it."""
    made = dt.datetime.fromisoformat(manifest.created_at).astimezone(clock.LOCAL_TZ)
    largest = sorted(manifest.rows.items(), key=lambda item: -item[1])[:3]
    return (
        f"A copy of a {manifest.kind} database made {made:%Y-%m-%d %H:%M:%S} (local time):"
        f" {manifest.total_rows:,} rows in {len(manifest.rows)} tables"
        f" ({', '.join(f'{name} {count:,}' for name, count in largest)})."
    )
