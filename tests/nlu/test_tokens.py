"""jieba's reading of a message decides whether a short keyword is really there."""
import os
from pathlib import Path

import pytest

import bot.nlu
from bot.nlu import IntentMatcher

from .conftest import CONTENT_DIR


@pytest.mark.parametrize("text, not_a_keyword", [
    ("杭州哪家奶茶最好喝", "好"),          # 最好, not a greeting
    ("我们镇上有人收入会费", "入会"),      # 收入 / 会费
    ("今天气温多少度", "天气"),            # 今天 / 气温
    ("一家电子厂", "家电"),                # 一家 / 电子厂
    ("好几个工友天天咳嗽", "好"),          # 好几个
])
def test_a_short_keyword_cut_across_words_does_not_count(matcher, text, not_a_keyword):
    assert not_a_keyword not in matcher.classify(text).keywords


@pytest.mark.parametrize("text, keyword", [
    ("工会篮球比赛在哪个体育馆", "比赛"),   # the head of a compound keeps its sense
    ("喂喂你好能听到吗", "喂"),             # doubled
    ("好的谢谢", "好的"),
])
def test_a_short_keyword_that_is_a_word_counts(matcher, text, keyword):
    assert keyword in matcher.classify(text).keywords


def test_a_question_about_milk_tea_is_not_a_greeting(matcher):
    assert matcher.classify("杭州哪家奶茶最好喝").intent == "out_of_scope"


def test_the_jieba_cache_goes_to_the_cache_directory_not_the_package(tmp_path):
    package = Path(bot.nlu.__file__).parent
    before = set(package.iterdir())
    matcher = IntentMatcher.from_content(CONTENT_DIR, cache_dir=tmp_path / "cache")
    matcher.classify("老板拖了我两个月工资")
    assert list((tmp_path / "cache").glob("zgzj-jieba-*.marshal"))
    assert set(package.iterdir()) == before


def test_a_second_matcher_loads_the_cached_dictionary_and_reads_alike(tmp_path):
    first = IntentMatcher.from_content(CONTENT_DIR, cache_dir=tmp_path)
    second = IntentMatcher.from_content(CONTENT_DIR, cache_dir=tmp_path)
    text = "今天气温多少度我们镇上有人收入会费"
    assert first.segmenter.boundaries(text) == second.segmenter.boundaries(text)


def test_the_matcher_and_the_legal_faq_keep_their_own_cached_dictionaries(tmp_path):
    from bot.nlu.tokenizer import DomainTokenizer

    dictionary = CONTENT_DIR / "nlu" / "dictionary.txt"
    DomainTokenizer(dictionary, tmp_path, words=["帮我讨薪"], min_freq=10)
    for cache in tmp_path.iterdir():  # as if written long ago
        os.utime(cache, (0, 0))
    DomainTokenizer(dictionary, tmp_path)
    assert len(list(tmp_path.glob("zgzj-jieba-*.marshal"))) == 2
