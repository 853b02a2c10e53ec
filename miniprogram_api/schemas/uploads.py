"""Image uploads, attached to tickets by id."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from miniprogram_api.schemas.common import ResponseModel, Timestamp


class Upload(ResponseModel):
    """An uploaded image: give its id in `attachments` when filing a consultation or complaint."""

    id: str = Field(description="附件编号，提交诉求时放进 attachments")
    content_type: Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
    size: int = Field(ge=1, description="字节数")
    created_at: Timestamp
