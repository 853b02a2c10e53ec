"""What membership refuses, as exceptions the chat, the API and the CLI each turn into their own answer."""
from __future__ import annotations


class ValidationFailed(ValueError):
    """Some fields were refused; `fields` maps each field to a Chinese hint."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("；".join(fields.values()))
        self.fields = fields


class DuplicateApplication(Exception):
    """The person (or this ID number) already has an open application or is already a member.

    application_no is the worker's own application, or "" when the ID belongs to someone else's
    record (never revealed to another person).
    """

    def __init__(self, application_no: str, status: str = "", message: str = ""):
        super().__init__(message or "您已经有一份入会申请或已是会员")
        self.application_no = application_no
        self.status = status
        self.message = str(self)


class ConsentRequired(Exception):
    """The worker has not agreed to the collection of their personal data."""

    def __init__(self, message: str = "需要您同意个人信息收集说明后才能申请入会"):
        super().__init__(message)


class ApplicationNotFound(LookupError):
    """No application has this number (for this person)."""


class InvalidDecision(ValueError):
    """A review or resubmission that the application's state does not allow; the message is Chinese."""
