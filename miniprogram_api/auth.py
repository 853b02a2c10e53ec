"""Mini-program sign-in: wx.login code -> our own tokens; phone numbers; who is calling.

- Login exchanges the wx.login code through the one WeChat client (code2session). The
  session_key stays on the server, encrypted, in miniprogram_sessions; it is never returned.
- The access token is ours: an HMAC-signed (itsdangerous) payload {sub: person, sid: sign-in,
  iat, exp}, short-lived, checked without a database read.
- The refresh token is 32 random bytes; only its SHA-256 is stored. Each refresh replaces it
  (rotation); presenting a replaced one again (later than a few seconds, which is a duplicate
  request) means it was copied, and ends that sign-in.
- Logging out, or a merge that moves the sign-in to another person, is written to the sign-in's
  row in the database (revoked_at, tokens_valid_after_ms) before anything else: access tokens
  of a revoked sign-in, or issued before the floor, are refused. Redis only caches that row's
  verdict (a revocation until the tokens expire, "still signed in" for SESSION_CACHE_SECONDS),
  so a Redis outage falls back to the database and a Redis restart cannot revive a token.
- People are found through PeopleService: the unionid links the mini-program openid to the
  service-account openid; a verified phone number (getPhoneNumber code) links them too.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from bot.services.people import MINIPROGRAM
from bot.storage.models import MiniprogramSession, Person
from bot.kv_store import StoreUnavailable
from bot.wechat.client import InvalidCode, WeChatError
from miniprogram_api.errors import ApiError

log = logging.getLogger(__name__)

ACCESS_SALT = "zgzj-miniprogram-access-v1"
FLOOR_KEY = "api:session-floor:{sid}"
REVOKED = "revoked"
# A replaced refresh token presented again this soon after the refresh is a duplicate request, not a copy.
REUSE_GRACE = timedelta(seconds=10)
# How long the cache may answer "still signed in" without asking the database. A logout whose
# cache update failed (Redis down) is seen by every process within this time at the latest.
SESSION_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Member:
    """The signed-in caller: their person id and the sign-in (sid) the token belongs to."""

    person_id: int
    sid: str


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh hands to the mini-program."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    person_id: int


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def wechat_unavailable(exc: WeChatError) -> ApiError:
    """Return the 503 a member sees when WeChat cannot be reached or refuses for its own reasons."""
    log.warning("wechat unavailable for the mini-program api: %s", exc)
    return ApiError(503, "wechat_unavailable", "微信服务暂时繁忙，请稍后再试。", headers={"Retry-After": "5"})


class MemberSessions:
    """Sign-ins of mini-program members: login, refresh, logout, phone, token checks."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.config = runtime.config
        self._signer = URLSafeSerializer(runtime.config.secret_key, salt=ACCESS_SALT)

    # ---- tokens ---------------------------------------------------------------------------
    def _issue_access(self, person_id: int, sid: str) -> tuple[str, int]:
        now = _epoch(self.runtime.clock())
        ttl = int(self.config.api_token_ttl_seconds)
        token = self._signer.dumps({"sub": person_id, "sid": sid, "iat": round(now * 1000), "exp": int(now) + ttl})
        return token, ttl

    def _pair(self, person_id: int, sid: str, refresh_token: str) -> TokenPair:
        access, ttl = self._issue_access(person_id, sid)
        return TokenPair(access, ttl, refresh_token, int(self.config.api_refresh_ttl_seconds), person_id)

    def authenticate(self, token: str) -> Member:
        """Return the member an access token stands for; raise 401 when it is forged, expired or revoked."""
        try:
            payload = self._signer.loads(token)
            person_id, sid, issued, expires = int(payload["sub"]), str(payload["sid"]), payload["iat"], payload["exp"]
        except (BadSignature, KeyError, TypeError, ValueError):
            raise ApiError(401, "token_invalid", "登录信息无效，请重新登录。") from None
        if _epoch(self.runtime.clock()) >= float(expires):
            raise ApiError(401, "token_expired", "登录已过期，请重新登录。")
        floor = self._sign_in_state(sid)
        if floor == REVOKED:
            raise ApiError(401, "token_revoked", "您已退出登录，请重新登录。")
        if float(issued) < float(floor):
            raise ApiError(401, "token_expired", "登录已过期，请重新登录。")
        return Member(person_id, sid)

    def _sign_in_state(self, sid: str) -> str:
        """'revoked', or the floor (epoch ms) of the sign-in's access tokens: from the cache, else the database."""
        key = FLOOR_KEY.format(sid=sid)
        store_up = True
        try:
            cached = self.runtime.store.get(key)
        except StoreUnavailable as exc:
            log.warning("store unavailable, sign-in %s checked in the database: %s", sid, exc)
            cached, store_up = None, False
        if cached is not None:
            return cached
        with self.runtime.database.session() as session:
            row = session.execute(select(MiniprogramSession.revoked_at, MiniprogramSession.tokens_valid_after_ms)
                                  .where(MiniprogramSession.public_id == sid)).first()
        if row is None or row.revoked_at is not None:
            state = REVOKED  # a sign-in that no longer exists (erased, merged away) is revoked too
        else:
            state = str(row.tokens_valid_after_ms or 0)
        if store_up:
            ttl = self.config.api_token_ttl_seconds + 60 if state == REVOKED else SESSION_CACHE_SECONDS
            try:
                self.runtime.store.set(key, state, ttl=ttl)
            except StoreUnavailable:
                pass  # the database answered; the next request asks it again
        return state

    def _set_floor(self, sid: str, value: str) -> None:
        # The database row is already changed (durable); this only refreshes the cache.
        try:
            self.runtime.store.set(FLOOR_KEY.format(sid=sid), value, ttl=self.config.api_token_ttl_seconds + 60)
        except StoreUnavailable as exc:
            log.warning("store unavailable, sign-in %s cache not updated (the database holds it): %s", sid, exc)
            try:
                self.runtime.store.delete(FLOOR_KEY.format(sid=sid))
            except StoreUnavailable:
                pass

    # ---- login, refresh, logout -----------------------------------------------------------
    def login(self, code: str) -> TokenPair:
        """Exchange a wx.login code for our tokens; the session_key is kept, encrypted."""
        try:
            answer = self.runtime.wechat.code_to_session(code)
        except InvalidCode:
            raise ApiError(401, "login_code_invalid", "登录凭证无效或已过期，请重新打开小程序再试。") from None
        except WeChatError as exc:
            raise wechat_unavailable(exc) from exc
        openid, session_key = answer.get("openid"), answer.get("session_key")
        if not openid or not session_key:
            raise wechat_unavailable(WeChatError(-2, "code2session answer without openid", "sns.jscode2session"))
        person_id = self.runtime.people.person_id(MINIPROGRAM, openid, answer.get("unionid") or None)
        refresh_token = secrets.token_urlsafe(32)
        sid = secrets.token_hex(12)
        now = self.runtime.clock()
        with self.runtime.database.session() as session:
            session.add(MiniprogramSession(
                public_id=sid, person_id=person_id, openid=openid,
                session_key_encrypted=self.runtime.cipher.encrypt(session_key),
                refresh_hash=_hash(refresh_token), created_at=now,
                refresh_expires_at=now + timedelta(seconds=int(self.config.api_refresh_ttl_seconds))))
        return self._pair(person_id, sid, refresh_token)

    def refresh(self, refresh_token: str) -> TokenPair:
        """Replace a refresh token with a new pair; a replaced token presented again ends the sign-in."""
        digest = _hash(refresh_token)
        now = self.runtime.clock()
        new_token = secrets.token_urlsafe(32)
        refused = ApiError(401, "refresh_invalid", "登录已失效，请重新登录。")
        with self.runtime.database.session() as session:
            row = session.scalar(select(MiniprogramSession).where(MiniprogramSession.refresh_hash == digest))
            if row is None:
                reused = session.scalar(select(MiniprogramSession).where(
                    MiniprogramSession.previous_refresh_hash == digest, MiniprogramSession.revoked_at.is_(None)))
                if reused is None:
                    raise refused
                if reused.refreshed_at is not None and now - reused.refreshed_at < REUSE_GRACE:
                    raise refused  # two refreshes sent at once by the same mini-program: not a theft
                # Committed before refusing: the revocation must outlive this request.
                log.warning("replaced refresh token presented again; ending sign-in %s", reused.public_id)
                reused.revoked_at, reused.revoked_reason = now, "refresh_reused"
                revoked_sid = reused.public_id
        if row is None:
            self._set_floor(revoked_sid, REVOKED)
            raise refused
        with self.runtime.database.session() as session:
            row = session.get(MiniprogramSession, row.id)
            if row.revoked_at is not None or row.refresh_expires_at <= now:
                raise refused
            person_id = _final_person(session, row.person_id)
            # Compare-and-swap: of two refreshes racing with the same token, only one wins.
            moved = session.execute(
                update(MiniprogramSession)
                .where(MiniprogramSession.id == row.id, MiniprogramSession.refresh_hash == digest)
                .values(refresh_hash=_hash(new_token), previous_refresh_hash=digest, refreshed_at=now,
                        person_id=person_id)).rowcount
            if moved != 1:
                raise refused
            sid = row.public_id
        return self._pair(person_id, sid, new_token)

    def logout(self, member: Member) -> None:
        """End the caller's sign-in: its refresh token and access tokens stop working."""
        with self.runtime.database.session() as session:
            session.execute(update(MiniprogramSession).where(MiniprogramSession.public_id == member.sid)
                            .values(revoked_at=self.runtime.clock(), revoked_reason="logout"))
        self._set_floor(member.sid, REVOKED)

    def session_key(self, member: Member) -> str | None:
        """The WeChat session_key of the caller's sign-in, decrypted (for WeChat's encrypted data)."""
        with self.runtime.database.session() as session:
            encrypted = session.scalar(select(MiniprogramSession.session_key_encrypted)
                                       .where(MiniprogramSession.public_id == member.sid))
        return self.runtime.cipher.decrypt(encrypted) if encrypted else None

    # ---- phone ----------------------------------------------------------------------------
    def link_phone(self, member: Member, code: str) -> TokenPair | None:
        """Verify the phone behind a getPhoneNumber code and link it; return new tokens if people merged."""
        try:
            info = self.runtime.wechat.phone_number(code)
        except InvalidCode:
            raise ApiError(400, "phone_code_invalid", "手机号授权已失效，请重新点击授权。") from None
        except WeChatError as exc:
            raise wechat_unavailable(exc) from exc
        phone = str(info.get("purePhoneNumber") or info.get("phoneNumber") or "")
        if not phone:
            raise wechat_unavailable(WeChatError(-2, "phone_info without a number", "wxa.getuserphonenumber"))
        survivor = self.runtime.people.link_phone(member.person_id, phone)
        if survivor == member.person_id:
            return None
        # This sign-in's person was merged into an older one: move the sign-in, cut its old tokens.
        refresh_token = secrets.token_urlsafe(32)
        floor = round(_epoch(self.runtime.clock()) * 1000)
        with self.runtime.database.session() as session:
            session.execute(update(MiniprogramSession)
                            .where(MiniprogramSession.public_id == member.sid)
                            .values(person_id=survivor, refresh_hash=_hash(refresh_token), previous_refresh_hash=None,
                                    tokens_valid_after_ms=floor))
        self._set_floor(member.sid, str(floor))
        return self._pair(survivor, member.sid, refresh_token)


def _final_person(session, person_id: int) -> int:
    """Follow merges to the person a record now belongs to."""
    person = session.get(Person, person_id)
    while person is not None and person.merged_into is not None:
        person = session.get(Person, person.merged_into)
    return person.id if person is not None else person_id


def bearer_token() -> str | None:
    """The token of the Authorization: Bearer header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_member() -> Member:
    """The member making this request (set by the route dispatcher)."""
    return g.api_member
