from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triboka_api.models.base import Base, created_ts, intpk, str50, str100, str255, updated_ts
from triboka_api.models.company import Company


class User(Base):
    __tablename__ = "users"
    id: Mapped[intpk]
    keycloak_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    email: Mapped[str255]
    first_name: Mapped[str255 | None]
    last_name: Mapped[str255 | None]
    name: Mapped[str255]
    # text, not varchar(128): Werkzeug scrypt hashes are 162 characters (§6, §9 #15). NULL = cannot log in.
    password_hash: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str50] = mapped_column(default="user", index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # registered itself into an existing company and no admin or operator has decided on it yet (`active` false)
    pending_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the JWT claim `tv` must equal this: bumping it revokes every token issued before (logout, password change...)
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[created_ts]
    updated_at: Mapped[updated_ts]

    company: Mapped[Company | None] = relationship(lazy="joined", innerjoin=False)
    profile: Mapped[UserProfile | None] = relationship(
        lazy="raise", back_populates="user", cascade="all, delete-orphan"
    )


class UserProfile(Base):
    __tablename__ = "user_profiles"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    location: Mapped[str255 | None]
    product_type: Mapped[str100 | None]
    business_type: Mapped[str50 | None]
    additional_data: Mapped[dict[str, Any] | None]
    updated_at: Mapped[updated_ts]

    user: Mapped[User] = relationship(back_populates="profile")


# Δ §6: e-mail addresses are unique regardless of case, and login compares them case-insensitively.
Index("uq_users_lower_email", func.lower(User.email), unique=True)
