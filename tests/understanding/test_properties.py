"""Properties that must hold for any input, checked with Hypothesis."""
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.understanding import Act

FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
SPOKEN = dict(zip("0123456789", "零一二三四五六七八九"))
_settings = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

mobiles = st.builds(lambda second, rest: "1" + second + rest, st.sampled_from("3456789"),
                    st.text(alphabet="0123456789", min_size=9, max_size=9))


@st.composite
def written(draw, number):
    """A mobile number as a worker may write it: separators, full-width or spoken digits, words around."""
    style = draw(st.sampled_from(["plain", "full", "spoken"]))
    out = []
    for i, digit in enumerate(number):
        out.append({"plain": digit, "full": FULL_WIDTH[digit], "spoken": SPOKEN[digit]}[style])
        if i in (2, 6) and draw(st.booleans()):
            out.append(draw(st.sampled_from([" ", "-", "—", " - ", "."])))
    before = draw(st.sampled_from(["", "电话 ", "手机：", "嗯继续吧 手机", "我的号码是", "+86 "]))
    after = draw(st.sampled_from(["", " 白天打", "，谢谢", "。"]))
    return before + "".join(out) + after


@_settings
@given(data=st.data(), number=mobiles)
def test_any_valid_mobile_is_found(read, data, number):
    assert read(data.draw(written(number))).phone.value == number


@_settings
@given(text=st.text(max_size=200))
def test_extract_never_raises(read, text):
    read(text)


@_settings
@given(text=st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=80),
       today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_extract_never_raises_on_chinese_any_day(read, text, today):
    read(text, today=today)


@_settings
@given(text=st.text(max_size=120))
def test_replies_and_questions_never_raise(understanding, text):
    assert isinstance(understanding.reading_of_reply(text).act, Act)
    assert isinstance(understanding.looks_like_question(text), bool)


@_settings
@given(text=st.text(max_size=120))
def test_spans_are_inside_the_message(read, text):
    found = read(text)
    for slot in (found.name, found.phone, found.id_number, found.place, found.employer, found.money,
                 found.duration, found.since, found.headcount, *found.times, *found.wants):
        if slot is not None:
            assert 0 <= slot.start < slot.end <= len(text)


@_settings
@given(word=st.sampled_from(["取消", "退出", "算了", "确认", "提交"]),
       negation=st.sampled_from(["不", "没说要", "不要", "别", "我不是要", "没想"]))
def test_a_negated_act_is_never_read_as_that_act(understanding, word, negation):
    reading = understanding.reading_of_reply(negation + word)
    assert reading.act not in (Act.CANCEL, Act.CONFIRM)
