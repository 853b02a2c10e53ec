"""One person behind several WeChat identities; the single way to find who is asking.

The service account and the mini-program give different openids for the same worker. A
person is linked across them by the unionid when WeChat provides it, or by a verified phone
number. When two person records turn out to be one, the later is merged into the earlier and
every record registered in MERGEABLE_TABLES moves with it, after the merge hooks the
composition root gave the service (bot/runtime.py) have settled what the move would break.
"""
from __future__ import annotations

from typing import Callable, Sequence

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.db import Database
from bot.storage.models import Identity, Person

OFFICIAL = "official"
MINIPROGRAM = "miniprogram"

# Tables with a person_id column whose rows follow a person when records are merged.
MERGEABLE_TABLES: list[str] = ["tickets", "activity_sign_ups", "membership_applications", "members",
                               "miniprogram_sessions", "miniprogram_uploads"]

# A merge hook: hook(session, keep, drop), run before a merge moves rows, for tables whose own
# rules (one live sign-up, one open application) would otherwise be broken by the move.
MergeHook = Callable[[Session, int, int], object]


class PeopleService:
    """Resolve, link and merge people."""

    def __init__(self, database: Database, cipher, merge_hooks: Sequence[MergeHook]):
        self.database = database
        self.cipher = cipher
        self.merge_hooks = tuple(merge_hooks)

    def person_id(self, channel: str, openid: str, unionid: str | None = None) -> int:
        """Return the person behind an openid, creating or linking one as needed."""
        for _attempt in range(3):  # concurrent first contacts race on the unique constraints
            try:
                with self.database.session() as session:
                    return self._resolve(session, channel, openid, unionid)
            except IntegrityError:
                continue
        with self.database.session() as session:
            return self._resolve(session, channel, openid, unionid)

    def _resolve(self, session: Session, channel: str, openid: str, unionid: str | None) -> int:
        identity = session.scalar(select(Identity).where(Identity.channel == channel, Identity.openid == openid))
        if identity is not None:
            person = _final(session, identity.person_id)
            if unionid and person.unionid is None:
                other = session.scalar(select(Person).where(Person.unionid == unionid))
                if other is not None and other.id != person.id:
                    return self._merge(session, person.id, other.id)
                person.unionid = unionid
            return person.id
        person = session.scalar(select(Person).where(Person.unionid == unionid)) if unionid else None
        if person is None:
            person = Person(unionid=unionid)
            session.add(person)
            session.flush()
        person = _final(session, person.id)
        session.add(Identity(channel=channel, openid=openid, person_id=person.id))
        session.flush()
        return person.id

    def link_phone(self, person_id: int, phone: str) -> int:
        """Record a verified phone; if another person has it, the two become one. Return the surviving id."""
        index = self.cipher.blind_index(phone)
        with self.database.session() as session:
            person = _final(session, person_id)
            other = session.scalar(select(Person).where(Person.phone_index == index))
            if other is not None and other.id != person.id:
                return self._merge(session, person.id, other.id)
            person.phone_index = index
            person.phone_encrypted = self.cipher.encrypt(phone)
            return person.id

    def _merge(self, session: Session, from_id: int, into_id: int) -> int:
        """Fold person from_id into into_id (the older record survives)."""
        keep, drop = min(from_id, into_id), max(from_id, into_id)
        survivor, gone = session.get(Person, keep), session.get(Person, drop)
        for hook in self.merge_hooks:
            hook(session, keep, drop)
        for table in MERGEABLE_TABLES:
            session.execute(text(f'UPDATE "{table}" SET person_id = :keep WHERE person_id = :drop'),
                            {"keep": keep, "drop": drop})
        session.execute(Identity.__table__.update().where(Identity.person_id == drop).values(person_id=keep))
        unionid, phone_index, phone_encrypted = gone.unionid, gone.phone_index, gone.phone_encrypted
        gone.unionid = gone.phone_index = gone.phone_encrypted = None
        gone.merged_into = keep
        session.flush()
        survivor.unionid = survivor.unionid or unionid
        if survivor.phone_index is None:
            survivor.phone_index, survivor.phone_encrypted = phone_index, phone_encrypted
        return keep

    def openid(self, person_id: int, channel: str = OFFICIAL) -> str | None:
        """The person's openid on a channel (to send them a message), or None."""
        with self.database.session() as session:
            return session.scalar(select(Identity.openid).where(
                Identity.person_id == _final(session, person_id).id, Identity.channel == channel))

    def phone(self, person_id: int) -> str | None:
        """The person's verified phone number, decrypted, or None."""
        with self.database.session() as session:
            person = _final(session, person_id)
            return self.cipher.decrypt(person.phone_encrypted) if person.phone_encrypted else None


def _final(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    while person is not None and person.merged_into is not None:
        person = session.get(Person, person.merged_into)
    if person is None:
        raise LookupError(f"no person {person_id}")
    return person
