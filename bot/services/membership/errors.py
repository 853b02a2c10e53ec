"""What membership refuses, as exceptions the chat, the API and the CLI each turn into their own answer."""
from __future__ import annotations


class ValidationFailed(ValueError):
    """Some fields were refused; `fields` maps each field to the hint the worker reads."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("；".join(fields.values()))
        self.fields = fields


class DuplicateApplication(Exception):
    """The person (or this ID number) already has an open application or is already a member.

    application_no is the worker's own application, or "" when the ID belongs to someone else's
    record (never revealed to another person). message is what the worker reads (from content).
    """

    def __init__(self, application_no: str, status: str, message: str):
        super().__init__(message)
        self.application_no = application_no
        self.status = status
        self.message = str(self)


class ConsentRequired(Exception):
    """The worker has not agreed to the collection of their personal data; message is what they read."""

    def __init__(self, message: str):
        super().__init__(message)


class ApplicationNotFound(LookupError):
    """No application has this number (for this person)."""


class InvalidDecision(ValueError):
    """A review or resubmission that the application's state does not allow; the message is what the reader reads."""
