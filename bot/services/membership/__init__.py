"""Joining the union and membership: applications, review, member numbers, cards, erasure.

The package's parts, along their seams:
- content.py   content/membership.yaml parsed and checked (wording, industries, status labels, answers);
- fields.py    the field checks, the same in every door (chat form, mini-program, resubmission);
- views.py     applications, history and member cards as workers and staff see them (masked);
- errors.py    what membership refuses;
- service.py   MembershipService, the one home of the rules;
- audience.py  members as a push audience (by city or industry).

Callers import from the package: `from bot.services.membership import MembershipService`.
"""
from bot.services.membership.audience import member_openids
from bot.services.membership.content import (CONTENT_FILE, NO_FIXED_EMPLOYER, MembershipContent, check_content,
                                             default_content)
from bot.services.membership.errors import (ApplicationNotFound, ConsentRequired, DuplicateApplication,
                                            InvalidDecision, ValidationFailed)
from bot.services.membership.fields import APPLICATION_FIELDS, check_field, validate
from bot.services.membership.service import DECISIONS, STATUSES, MembershipService
from bot.services.membership.views import ApplicationView, MemberView, StatusChangeView

__all__ = [
    "APPLICATION_FIELDS", "CONTENT_FILE", "DECISIONS", "NO_FIXED_EMPLOYER", "STATUSES",
    "ApplicationNotFound", "ApplicationView", "ConsentRequired", "DuplicateApplication", "InvalidDecision",
    "MemberView", "MembershipContent", "MembershipService", "StatusChangeView", "ValidationFailed",
    "check_content", "check_field", "default_content", "member_openids", "validate",
]
