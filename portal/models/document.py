"""Rendered documents (PDFs) cached per case state, shared by every app process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigIntPK, UTCDateTime, utcnow


class RenderedDocument(Base):
    """The latest rendering of one document kind for one case and language, keyed by its state."""

    __tablename__ = "rendered_document"
    __table_args__ = (UniqueConstraint("case_id", "kind", "locale"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    locale: Mapped[str] = mapped_column(String(5))
    state_key: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
