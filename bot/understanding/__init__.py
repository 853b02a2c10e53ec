"""Understanding free Chinese: dialogue acts, side questions and slots (names, phones, places, money, times).

Pure functions behind one object built by the composition root:
    understanding = Understanding.from_content("content")
    understanding.reading_of_reply("没错 交吧")           -> Reading(Act.CONFIRM)
    understanding.looks_like_question("对了 加班费怎么算")  -> True
    understanding.extract("我叫王建军，手机13857612340", today, regions) -> Extraction(name=..., phone=...)
"""
from bot.understanding.acts import Act, Reading
from bot.understanding.places import Place
from bot.understanding.slots import Amount, Count, Duration, Found
from bot.understanding.times import TimeReader, When
from bot.understanding.understanding import Extraction, Understanding
from bot.understanding.words import Words

__all__ = ["Act", "Amount", "Count", "Duration", "Extraction", "Found", "Place", "Reading", "TimeReader",
           "Understanding", "When", "Words"]
