"""Personal-number detection: phone and ID numbers in any writing, masked in logs, sealed in stories."""
from __future__ import annotations

import pytest

from bot.personal_numbers import find_personal_numbers, mask_numbers, seal, shown, unseal
from bot.security import PersonalDataCipher, mask_text

PHONE = "13857612340"
ID_NUMBER = "330782199204127899"

WRITINGS = [
    "我的手机 138 5761 2340 身份证 330782 19920412 7899",
    "手机：138-5761-2340，身份证号330782-1992-0412-7899",
    "手机１３８５７６１２３４０　身份证３３０７８２１９９２０４１２７８９９",
    "电话一三八五七六一二三四零",
    "+86 138 5761 2340",
    "联系我13857612340或者身份证330782199204127899都行",
]


@pytest.mark.parametrize("text", WRITINGS)
def test_every_writing_of_a_number_is_masked(text):
    masked = mask_numbers(text)
    digits_left = "".join(ch for ch in masked if ch.isdigit())
    assert "5761" not in digits_left.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    assert "19920412" not in masked and "1992-0412" not in masked and "１９９２" not in masked
    assert find_personal_numbers(masked) == []


def test_every_number_of_a_text_is_found_in_order():
    found = find_personal_numbers(f"先打{PHONE}，不行打13912345678，身份证{ID_NUMBER}")
    assert [(n.kind, n.digits) for n in found] == [("phone", PHONE), ("phone", "13912345678"),
                                                    ("id_number", ID_NUMBER)]


def test_ordinary_numbers_are_left_alone():
    text = "拖欠工资一万二，3个月，订单号 2024112712345678901，工号 20231234"
    assert mask_numbers(text) == text


def test_mask_text_also_hides_openids():
    openid = "oAbCdEfGhIjKlMnOpQrStUvWx123"
    masked = mask_text(f"POST /wechat?signature=1&openid={openid}&nonce=2 from {openid}")
    assert openid not in masked and "oAbC…x123" in masked


def test_a_sealed_story_keeps_its_numbers_only_encrypted():
    cipher = PersonalDataCipher("test-secret-key-0123456789")
    story = f"老板不接电话，他的手机 138 5761 2340，我的身份证{ID_NUMBER}"
    stored, numbers = seal(story, cipher)
    assert "5761" not in stored and "19920412" not in stored and "5761" not in numbers
    assert shown(stored) == "老板不接电话，他的手机 138****2340，我的身份证330782********7899"
    assert unseal(stored, numbers, cipher) == f"老板不接电话，他的手机 {PHONE}，我的身份证{ID_NUMBER}"
    assert seal("没有号码", cipher) == ("没有号码", None)
