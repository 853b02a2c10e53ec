"""What sign-up refuses, as exceptions the chat, the API and the CLI each answer in their own words."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.activities.views import SignUpView

class ActivityNotFound(LookupError):
    """No activity with this id."""

    def __init__(self, activity_id: int):
        super().__init__(f"no activity {activity_id}")
        self.activity_id = activity_id


class ActivityFull(Exception):
    """No place left; waiting_list_open says whether the worker may join the waiting list."""

    def __init__(self, activity_id: int, waiting_list_open: bool):
        super().__init__(f"activity {activity_id} is full")
        self.activity_id = activity_id
        self.waiting_list_open = waiting_list_open


class PartyTooLarge(ActivityFull):
    """Seats remain, but fewer than the party needs: `places_left` seats; the party may wait if waiting_list_open."""

    def __init__(self, activity_id: int, seats: int, places_left: int, waiting_list_open: bool):
        super().__init__(activity_id, waiting_list_open)
        self.seats = seats
        self.places_left = places_left


class TooManyCompanions(ValueError):
    """The sign-up asks for more companions than the activity allows (`allowed`, 0 for none)."""

    def __init__(self, activity_id: int, asked: int, allowed: int):
        super().__init__(f"activity {activity_id}: {asked} companions asked, {allowed} allowed")
        self.activity_id = activity_id
        self.asked = asked
        self.allowed = allowed


class AlreadySignedUp(Exception):
    """The person already has a live (confirmed or waiting) sign-up; `sign_up` is its SignUpView."""

    def __init__(self, sign_up: "SignUpView"):
        super().__init__(f"already {sign_up.status} for activity {sign_up.activity_id}")
        self.sign_up = sign_up


class ActivityClosed(Exception):
    """Sign-up is not possible: the activity is past, cancelled, or its sign-up deadline passed.

    `reason` is one of ended, cancelled, closed, members_only.
    """

    def __init__(self, activity_id: int, reason: str):
        super().__init__(f"activity {activity_id}: sign-up not possible ({reason})")
        self.activity_id = activity_id
        self.reason = reason


class MembersOnly(ActivityClosed):
    """The activity is for union members and the person is not one (yet)."""

    def __init__(self, activity_id: int):
        super().__init__(activity_id, "members_only")


class NotSignedUp(Exception):
    """The person has no live sign-up for this activity."""

    def __init__(self, activity_id: int):
        super().__init__(f"not signed up for activity {activity_id}")
        self.activity_id = activity_id
