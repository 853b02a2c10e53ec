"""What workers say about activities: the words and patterns the handler recognises, and the plain form it reads."""
from __future__ import annotations

import re
import unicodedata

from bot.nlu.normalize import to_simplified

MY_WORDS = ("我的活动", "我报名的", "我报的", "我报了", "报名了哪些", "报了哪些", "报名了什么", "我的报名",
            "报名记录", "我参加的", "报上名了吗", "报上了吗", "报名成功了吗", "我的候补")
CANCEL_WORDS = ("取消报名", "不去了", "去不了", "不参加了", "退出活动", "退出候补", "取消候补", "退掉", "退报名",
                "不排队了", "不排了", "不候补了")
CANCEL_PATTERN = re.compile(r"不(去|参加)[^，,。！？?]{0,12}了|(去|参加)不了|取消[^，,。！？?]{0,12}(那个|那场|的)")
SIGN_UP_WORDS = ("报名", "参加", "报上", "我要去", "我想去", "算我一个", "加入候补", "候补")
PLACES_WORDS = ("还有名额", "有名额", "能报", "可以报", "没满", "空位", "有位置", "有没有位置", "有没有名额",
                "满了吗", "满了没", "满没满", "报满了吗", "还剩几个", "剩几个", "名额还有", "位置还有", "还有空")
# Words that say nothing about which activity is meant (kept out of the title search).
GENERIC_WORDS = frozenset("""
活动 工会 工会活动 报名 报上 参加 什么 哪些 有没有 有什么 最近 近期 我 我们 想 要 想要 的 吗 呢 啊 吧 可以 能 怎么
还有 名额 看看 看 一下 其他 别的 更多 周末 本周 这周 下周 明天 今天 后天 本月 这个 这个月 下个月 一些 有 哪里 组织 举办
职工 活动吗 活动呢 请问 你好 推荐 适合 我能 想参加 要参加 好玩 玩 的话 时候 多少 个 哪个 给 帮 帮我 查 查询 查一下 取消
怎么弄 怎么办 怎么报 如何 哪儿 在哪 什么时候 时间 地点 多久 一起 朋友 孩子 家里 能不能 可不可以 是不是
我要 我想 我想要 要去 想去 我要去 我想去 报个名 位置 空位 那个 这个 那场 上午 下午 晚上 早上 中午 号 两个 两个人 一个
老婆 老公 爱人 媳妇 同事 家属 家人 工友 下次 下一场 排队 候补 礼拜 星期
""".split())
WEEKDAYS = "一二三四五六日"

# ---- the follow-ups a text pattern brings here (the handler still decides, and returns None otherwise)
WAIT_PATTERN = re.compile(r"排[个一下上]?队|排上|排一个|候补")
NEXT_PATTERN = re.compile(r"下一?[场次期回轮届批]|还有下一|(什么|啥)时候(还有|再有|再办|还办)|还会再?[办有搞]|再办|"
                          r"以后还有|还有别的场次|其他场次|别的时间")
REFERENCE_PATTERN = re.compile(r"那个|那场|那次|那期|那一[个场]|第\s*[一二三四五六七八九十\d]+\s*[个场项条次期]?|"
                               r"最后一|倒数|头一个")
COMPANION_PATTERN = re.compile(r"老婆|媳妇|老公|爱人|对象|丈夫|妻子|孩子|小孩|儿子|女儿|娃|同事|工友|朋友|室友|家属|家人|"
                               r"爸|妈|父母|我俩|我们俩")
COUNT_PATTERN = re.compile(r"(?<!第)([两二三四五六七八九十2-9])\s*(?:个人|人|位|口)")
SELF_PATTERN = re.compile(r"我和|我跟|和我|跟我|我俩|我们|咱们|一起|也|带上?|加上|连同")
FOR_OTHERS_PATTERN = re.compile(r"帮|替|给")
QUESTION_PATTERN = re.compile(r"吗|能不能|可不可以|可以不|行不行|能否|是否|[？?]")
SIGN_UP_HINT = re.compile(r"报|参加|算上|算我")
# Changing the party of a sign-up: "再加一个人", "多带两位"; "我老婆不去了", "少一个人".
MORE_PATTERN = re.compile(r"(?:再|多)(?:加|带)(?P<more>[一两二三四五1-5])?\s*(?:个人|个|位|人)(?!活动|场)")
FEWER_PATTERN = re.compile(r"(?:老婆|媳妇|老公|爱人|对象|丈夫|妻子|孩子|小孩|儿子|女儿|家属|家人|爸|妈)"
                           r"[^，,。！？?]{0,4}(?:不去了|去不了|不来了|来不了|不参加了|参加不了)|"
                           r"少(?:报|去|来|带)?(?P<fewer>[一两二三四五1-5])\s*(?:个人|个|位|人)")
# A message that could be one of the follow-ups above: the dialogue tries `follow_up` on it first.
FOLLOW_UP_PATTERN = re.compile("|".join(p.pattern for p in (
    WAIT_PATTERN, NEXT_PATTERN, REFERENCE_PATTERN, COMPANION_PATTERN, COUNT_PATTERN, MORE_PATTERN, FEWER_PATTERN))
    + r"|(周|星期|礼拜)[一二三四五六日天]|[上下]午|晚上|早上|中午|明天|后天|今天|今晚|[月号日]|"
    + "|".join(PLACES_WORDS)
    + r"|禮拜|週|個|場|後天|隊|補|還有")  # traditional characters: the handler reads them simplified


def plain(text: str | None) -> str:
    """The worker's text with full-width digits and traditional characters made plain (禮拜六 -> 礼拜六)."""
    return to_simplified(unicodedata.normalize("NFKC", text or "")).strip()


def asks_about_places(text: str) -> bool:
    """True when the worker asks whether there are places left ("还有名额吗", "满了没")."""
    return any(word in text for word in PLACES_WORDS)
