"""Normalisation: what workers type on a phone becomes one plain form."""
from bot.nlu.normalize import Corrections, normalize


def test_full_width_letters_and_digits_become_half_width():
    assert normalize("ＡＢＣ　１２３") == "abc 123"


def test_traditional_characters_become_simplified():
    assert normalize("請問怎麼申請加入工會？") == "请问怎么申请加入工会"


def test_emoji_and_punctuation_are_dropped_digits_kept():
    assert normalize("欠我3个月工资！！😡😡") == "欠我3个月工资"


def test_emoji_only_message_is_empty():
    assert normalize("👍🙏😂") == ""


def test_typos_and_homophones_are_corrected_from_content():
    assert normalize("老板拖了我两个月工姿") == "老板拖了我两个月工资"
    assert normalize("加版费怎么算") == "加班费怎么算"
    assert normalize("公伤认定") == "工伤认定"


def test_pinyin_words_are_turned_into_characters():
    assert normalize("ruhui zenme shenqing") == "入会怎么申请"
    assert normalize("zhuan rengong") == "转人工"


def test_english_words_that_are_not_pinyin_stay():
    assert normalize("ok thx") == "ok thx"


def test_a_table_passed_in_is_used():
    table = Corrections({"工姿": "工资", "gongzi": "工资"})
    assert normalize("gongzi 工姿", table) == "工资工资"


def test_empty_text():
    assert normalize("") == ""
