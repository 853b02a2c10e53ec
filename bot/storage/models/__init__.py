"""All models, imported so that Alembic and the tests see the whole schema."""
from bot.storage.models.base import Base
from bot.storage.models.followers import Follower, MessageLog, DeliveryReport
from bot.storage.models.people import Identity, Person
from bot.storage.models.membership import Member, MembershipApplication, MembershipStatusChange  # noqa: F401
from bot.storage.models.activities import Activity, ActivitySignUp  # noqa: F401
from bot.storage.models.push import Campaign, Delivery, ProcessLease, SubscribeConsent  # noqa: F401
from bot.storage.models.miniprogram import MiniprogramSession, MiniprogramUpload
from bot.storage.models.tickets import Ticket, TicketCounter, TicketReply, TicketTransfer  # noqa: F401
from bot.storage.models.staff import AuditEntry, StaffAccount, StaffNotice  # noqa: F401
from bot.storage.models.late_replies import PendingLateReply  # noqa: F401

__all__ = ["Base", "Follower", "MessageLog", "DeliveryReport", "Identity", "Person", "MiniprogramSession", "MiniprogramUpload"]
from bot.storage.models.stats import DailyFigure, QrChannel, StatsRun  # noqa: F401,E402
from bot.storage.models.satisfaction import ActivityRating, TicketRating  # noqa: F401,E402
from bot.storage.models.articles import Article, LinkClick  # noqa: F401,E402
from bot.storage.models.audience_lists import AudienceList, AudienceListMember  # noqa: F401,E402
from bot.storage.models.content import ContentVersion  # noqa: F401,E402
