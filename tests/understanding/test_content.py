"""The word lists load, and the content's districts agree with jionlp's administrative-division data."""
from pathlib import Path

import pytest

from bot.understanding import Words
from tests.understanding.scoring import DATA, score

ROOT = Path(__file__).resolve().parents[2]


def test_word_lists_load():
    words = Words.from_dir(ROOT / "content" / "understanding")
    assert words.acts["CANCEL"] and words.acts["YES"] and words.acts["NO"]


def test_a_broken_word_list_names_the_file(tmp_path):
    (tmp_path / "replies.yaml").write_text("acts: {CONFIRM: [好]}\n", encoding="utf-8")
    (tmp_path / "slots.yaml").write_text("{}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="replies.yaml"):
        Words.from_dir(tmp_path)


def test_every_zhejiang_county_of_jionlp_is_in_content(regions):
    """content/places.yaml is typed by hand; jionlp's maintained division data keeps it honest."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        from jionlp.dictionary.dictionary_loader import china_location_loader
    zhejiang = china_location_loader()["浙江省"]
    ours = {c.name: set(c.districts) for c in regions.cities}
    theirs = {city: {county for county in counties if not county.startswith("_")}
              for city, counties in zhejiang.items() if not city.startswith("_")}
    assert set(theirs) == set(ours)
    for city, counties in theirs.items():
        # jionlp may lag a change (临平区/钱塘区 2021) and lists development zones, which are not
        # county-level divisions: every other county it has must be ours.
        missing = {c for c in counties - ours[city] if not c.endswith(("开发区", "新区", "园区"))}
        assert missing <= {"江干区", "下城区"}, city


def test_measured_figures_do_not_fall(understanding, regions):
    """Precision and recall on the labelled set stay at or above what was reported (see README)."""
    tallies = score(understanding, regions, DATA)
    for slot, tally in tallies.items():
        assert tally.precision >= 0.85, (slot, tally.misses)
        assert tally.recall >= 0.95, (slot, tally.misses)
