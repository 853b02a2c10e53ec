"""Union activities (工会活动): the list, details, sign-up with exact places, waiting list, cancel.

The package's parts, along their seams:
- errors.py   what sign-up refuses;
- editing.py  what an editor types to create or change an activity, checked with Chinese reasons;
- views.py    activities and sign-ups as workers and staff see them, and their statuses;
- times.py    China time for workers and staff, naive UTC in the database;
- seats.py    exact places in seats (a sign-up and its companions): the conditional UPDATE, the row lock,
              promotion from the waiting list;
- service.py  ActivityService, the one home of the rules;
- attendance.py  checking in at the door (staff or the worker's QR scan), undo, turnout;
- push.py     participants and start times for push audiences and reminders;
- merge.py    one live sign-up per activity when two person records become one;
- demo.py     the demo activities of content/demo/activities.yaml.

Callers import from the package: `from bot.services.activities import ActivityService`.
"""
from bot.services.activities.attendance import (SELF, Attendance, CheckInRefused, Turnout, activity_of_scene,
                                                check_in_scene)
from bot.services.activities.demo import DEMO_FILE, demo_times, load_demo_activities
from bot.services.activities.editing import ActivityRejected
from bot.services.activities.errors import (ActivityClosed, ActivityFull, ActivityNotFound, AlreadySignedUp,
                                            MembersOnly, NotSignedUp, PartyTooLarge, TooManyCompanions)
from bot.services.activities.merge import resolve_merge_conflicts
from bot.services.activities.push import activities_starting_between, participant_openids
from bot.services.activities.service import ActivityService
from bot.services.activities.times import TZ, from_local, iso_local, parse_local, to_local
from bot.services.activities.views import (CANCELLED, CANCELLED_BY_STAFF, CLOSED_BY_STAFF, CONFIRMED, LIVE, OPEN,
                                           SHOWN_CANCELLED, SHOWN_CLOSED, SHOWN_ENDED, SHOWN_FULL, SHOWN_OPEN,
                                           WAITING, ActivityView, SignUpView)

__all__ = [
    "CANCELLED", "CANCELLED_BY_STAFF", "CLOSED_BY_STAFF", "CONFIRMED", "DEMO_FILE", "LIVE", "OPEN",
    "SHOWN_CANCELLED", "SHOWN_CLOSED", "SHOWN_ENDED", "SHOWN_FULL", "SHOWN_OPEN", "TZ", "WAITING",
    "SELF", "Attendance", "CheckInRefused", "Turnout", "activity_of_scene", "check_in_scene",
    "ActivityClosed", "ActivityFull", "ActivityNotFound", "ActivityRejected", "ActivityService", "ActivityView",
    "AlreadySignedUp",
    "MembersOnly", "NotSignedUp", "PartyTooLarge", "SignUpView", "TooManyCompanions", "activities_starting_between", "demo_times", "from_local",
    "iso_local", "load_demo_activities", "parse_local", "participant_openids", "resolve_merge_conflicts",
    "to_local",
]
