"""Every late-bound part named in a registry exists, so a typo fails here, not in front of a worker."""
import pytest

from bot.commands import GROUPS
from bot.content_commands import CONTENT_CHECKS
from bot.demo import DEMO_LOADERS
from bot.nlu.matcher import INTENTS
from bot.push.scheduler import PERIODIC_JOBS
from bot.registry import resolve
from bot.services.people import MERGEABLE_TABLES
from bot.storage.models import Base

SPECS = GROUPS + CONTENT_CHECKS + DEMO_LOADERS + [job.func for job in PERIODIC_JOBS]


@pytest.mark.parametrize("spec", SPECS)
def test_each_registered_part_resolves(spec):
    assert resolve(spec) is not None, f"{spec} names nothing"


def test_records_that_follow_a_person_have_a_person_id():
    for table in MERGEABLE_TABLES:
        assert "person_id" in Base.metadata.tables[table].columns, table


def test_the_content_checks_pass_on_the_shipped_content(config):
    from bot.content_commands import run_checks

    assert run_checks(config.content_dir) == []
