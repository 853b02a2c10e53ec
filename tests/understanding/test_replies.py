"""Control replies at a form's step, in the words workers use (issue 10)."""
import pytest

from bot.understanding import Act


@pytest.mark.parametrize("text", ["没错 交吧", "对的提交", "沒錯 交吧", "嗯嗯可以", "1", "确认", "好的就这样",
                                  "没问题 发吧", "對 就這樣", "可以的 提交", "好", "嗯", "行", "OK", "确定 没毛病",
                                  "都对 交上去吧"])
def test_confirm(understanding, text):
    assert understanding.reading_of_reply(text).act is Act.CONFIRM


@pytest.mark.parametrize("text,field", [("改一下电话", "phone"), ("名字写错了", "name"), ("不对", None),
                                        ("公司填错了", "employer"), ("身份证号输错了", "id_number"),
                                        ("城市弄错了", "city"), ("手機號碼要改", "phone"), ("2", None),
                                        ("不对，手机是13857612340", "phone"), ("电话不对", "phone")])
def test_edit_names_the_field(understanding, text, field):
    reading = understanding.reading_of_reply(text)
    assert (reading.act, reading.field) == (Act.EDIT, field)


@pytest.mark.parametrize("text", ["算了吧 不想惹麻烦", "我还是不告了", "不弄了", "先不办了", "取消", "退出", "算了",
                                  "不想办了", "我不投诉了", "算了算了", "放弃吧", "這個不辦了", "3", "撤销吧",
                                  "不填了 太麻烦"])
def test_cancel(understanding, text):
    assert understanding.reading_of_reply(text).act is Act.CANCEL


@pytest.mark.parametrize("text", ["不取消", "没说要取消", "我不是要退出", "我没说算了", "别退出", "不要取消",
                                  "取消？怎么取消", "我不确定要不要取消"])
def test_negated_cancel_is_not_a_cancel(understanding, text):
    assert understanding.reading_of_reply(text).act is not Act.CANCEL


@pytest.mark.parametrize("text", ["不对", "不对 不对", "不正确"])
def test_not_right_is_never_a_confirm(understanding, text):
    assert understanding.reading_of_reply(text).act in (Act.EDIT, Act.NO)


@pytest.mark.parametrize("text,act", [("等会再说", Act.PAUSE), ("我先去忙", Act.PAUSE), ("晚点再弄", Act.PAUSE),
                                      ("下班再说", Act.PAUSE), ("继续", Act.RESUME), ("嗯继续吧", Act.RESUME),
                                      ("接着填", Act.RESUME), ("行 同意", Act.YES), ("同意", Act.YES),
                                      ("我愿意", Act.YES), ("不同意", Act.NO), ("不想给手机号", Act.NO),
                                      ("不授权", Act.NO), ("转人工", Act.HANDOFF), ("看不明白 找个真人", Act.HANDOFF)])
def test_other_acts(understanding, text, act):
    assert understanding.reading_of_reply(text).act is act


@pytest.mark.parametrize("text", ["我叫陈小兵", "13712349876", "杭州", "今天天气不错", "老板欠我三个月工资",
                                  "插一句，年假一年有几天", "", "   ", "？？", "我是陈小兵", "对了 加班费怎么算",
                                  "好几个月没发工资", "我们老板说算了不给了 这种情况怎么办"])
def test_everything_else_is_nothing(understanding, text):
    assert understanding.reading_of_reply(text).act is Act.NOTHING


def test_agrees_covers_confirm_and_yes(understanding):
    assert understanding.reading_of_reply("好的").agrees
    assert understanding.reading_of_reply("同意").agrees
    assert not understanding.reading_of_reply("不同意").agrees


@pytest.mark.parametrize("text", ["插一句，年假一年有几天", "对了 加班费怎么算", "请问病假工资怎么算", "入会要交钱吗",
                                  "试用期能不交社保吗？", "问一下 工会在哪", "顺便问下 产假多少天",
                                  "辞职要提前几天说"])
def test_side_questions(understanding, text):
    assert understanding.looks_like_question(text)


@pytest.mark.parametrize("text", ["13712349876", "陈小兵", "杭州萧山", "没错 交吧", "嗯", "不知道", "二十几个人",
                                  "十几天没发工资", "没什么", "好几个月了", "算了"])
def test_answers_are_not_questions(understanding, text):
    assert not understanding.looks_like_question(text)


@pytest.mark.parametrize("text,act", [("tongyi", Act.YES), ("Tong yi", Act.YES), ("wo tongyi a", Act.YES),
                                      ("yes", Act.YES), ("Yes I agree", Act.YES), ("bu tongyi", Act.NO),
                                      ("butongyi", Act.NO), ("No thanks", Act.NO), ("queren", Act.CONFIRM),
                                      ("hao de", Act.CONFIRM), ("tijiao", Act.CONFIRM), ("quxiao", Act.CANCEL),
                                      ("suan le", Act.CANCEL), ("cancel", Act.CANCEL), ("jixu", Act.RESUME),
                                      ("deng hui zai shuo", Act.PAUSE), ("zhuan rengong", Act.HANDOFF),
                                      ("xiugai", Act.EDIT), ("嗯 yes", Act.YES)])
def test_pinyin_and_english_replies(understanding, text, act):
    assert understanding.reading_of_reply(text).act is act


def test_pinyin_edit_names_the_field(understanding):
    reading = understanding.reading_of_reply("xiugai dianhua")
    assert (reading.act, reading.field) == (Act.EDIT, "phone")


@pytest.mark.parametrize("text", ["wang xing", "li hao", "know", "nobody", "now", "yesterday", "nothing to say"])
def test_latin_names_and_words_that_only_contain_a_reply_are_nothing(understanding, text):
    # Latin phrases match whole words only, and an unexplained Latin word is leftover like a Chinese one.
    assert understanding.reading_of_reply(text).act is Act.NOTHING
