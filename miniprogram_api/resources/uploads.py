"""Image uploads: type and size checked, stored under var/uploads with a random name."""
from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import request, send_from_directory
from sqlalchemy import select, update

from bot.storage.models import MiniprogramUpload
from miniprogram_api.auth import current_member
from miniprogram_api.errors import ApiError
from miniprogram_api.services import runtime

log = logging.getLogger(__name__)

# Recognised by their first bytes, not by what the client claims.
SIGNATURES: list[tuple[bytes, int, str, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"WEBP", 8, "image/webp", "webp"),
]
MULTIPART_OVERHEAD = 64 * 1024


def image_type(head: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) of an image from its first bytes, or None."""
    for magic, at, content_type, extension in SIGNATURES:
        if head[at:at + len(magic)] == magic and (extension != "webp" or head[:4] == b"RIFF"):
            return content_type, extension
    return None


def upload_dir() -> Path:
    """Where uploaded images are kept."""
    path = Path(runtime().config.var_dir) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create() -> dict:
    """Receive one image (multipart field `file`) and return its id."""
    limit = int(runtime().config.api_upload_max_bytes)
    too_large = ApiError(413, "payload_too_large", f"图片不能超过 {limit // (1024 * 1024) or 1} MB，请压缩后再试。")
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise too_large
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "请用 multipart/form-data 上传图片，字段名为 file。")
    file = request.files.get("file")
    if file is None or not file.filename and not file.mimetype:
        raise ApiError(422, "validation_failed", "请选择要上传的图片。", {"file": "这一项必须填写。"})
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise ApiError(422, "validation_failed", "图片是空的，请重新选择。", {"file": "图片是空的。"})
    kind = image_type(data[:16])
    if kind is None:
        raise ApiError(415, "unsupported_media_type", "只能上传 JPG、PNG、GIF 或 WEBP 图片。")
    content_type, extension = kind
    public_id = secrets.token_hex(12)
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    (upload_dir() / stored_name).write_bytes(data)
    rt = runtime()
    with rt.database.session() as session:
        row = MiniprogramUpload(public_id=public_id, person_id=current_member().person_id, stored_name=stored_name,
                                content_type=content_type, size=len(data), created_at=rt.clock())
        session.add(row)
    return {"id": public_id, "content_type": content_type, "size": len(data), "created_at": row.created_at}


def require_own(person_id: int, upload_ids: list[str]) -> None:
    """Check every id is an unused upload of this member; anyone else's is 404, like any other record."""
    if not upload_ids:
        return
    with runtime().database.session() as session:
        found = set(session.scalars(select(MiniprogramUpload.public_id).where(
            MiniprogramUpload.public_id.in_(upload_ids), MiniprogramUpload.person_id == person_id,
            MiniprogramUpload.used_at.is_(None))))
    missing = [i for i in upload_ids if i not in found]
    if missing:
        raise ApiError(404, "upload_not_found", "有附件找不到了，请重新上传。",
                       {"attachments": "找不到附件 " + "、".join(missing)})


def mark_used(upload_ids: list[str]) -> None:
    """Record that these uploads are attached to a ticket (each may be attached once)."""
    if not upload_ids:
        return
    rt = runtime()
    with rt.database.session() as session:
        session.execute(update(MiniprogramUpload).where(MiniprogramUpload.public_id.in_(upload_ids))
                        .values(used_at=rt.clock()))


def _own(upload_id: str) -> MiniprogramUpload:
    with runtime().database.session() as session:
        row = session.scalar(select(MiniprogramUpload).where(
            MiniprogramUpload.public_id == upload_id, MiniprogramUpload.person_id == current_member().person_id))
    if row is None:
        raise ApiError(404, "not_found", "没有找到这张图片。")
    return row


def show(upload_id: str) -> dict:
    """Describe one of the member's uploads."""
    row = _own(upload_id)
    return {"id": row.public_id, "content_type": row.content_type, "size": row.size, "created_at": row.created_at}


def content(upload_id: str):
    """Send the image itself (only to the member who uploaded it)."""
    row = _own(upload_id)
    # Only the image types we recognised at upload are served as such; anything else as opaque bytes.
    known = {content_type for _magic, _at, content_type, _ext in SIGNATURES}
    mimetype = row.content_type if row.content_type in known else "application/octet-stream"
    response = send_from_directory(upload_dir(), row.stored_name, mimetype=mimetype, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response
