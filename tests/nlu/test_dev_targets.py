"""The project's targets on the development set, and on our own regression sets.

These are regression sets, not held-out ones: the content (content/nlu) was tuned on every one of them after
measuring it, and since round 5 (2026-12-03) the learned model is trained on them too (bot/nlu/training.py), the
first-sight set firstsight_2026-12-03 included, which was measured once before (content/nlu/README.md). What
they guard is that nothing learned is lost. Each file is still named heldout*.jsonl, the name it was written
under; the figures below are what each measured at first sight, before it was tuned on (intent / topic accuracy):

    heldout    0.981 / 0.900   first set, written before any tuning
    heldout2   0.813 / 0.944   heldout3   0.725 / 0.778   heldout4   0.800 / 0.850
    heldout5   0.800 / 0.800   heldout6   0.863 / 0.800   public-question style
    heldout7   0.880 / 0.833   heldout8   0.833 / 1.000   confusable pairs
    heldout9   0.737 / 0.615   dev-like, another hand     heldout10  0.867 / 0.833
    heldout11  0.860 / 0.839   public questions           heldout12  1.000 / 1.000   typos, traditional, pinyin, emoji
    heldout13  0.795 / 1.000   heldout14  0.833 / 0.875   heldout15  0.829 / 0.800   heldout16  0.889 / 0.667
    heldout17  0.677 / -       reports, letters, asking for a person
    heldout18  0.900 / 0.769   dev scenarios reworded      heldout19  0.813 / 0.583
    heldout20  0.821 / 0.750   legal messages only, for topics

Second round, written after the sets above were tuned against, in styles none of them had:

    heldout_r2_forum   0.968 / 1.000   public-forum stories (知乎, 百度知道, 劳动法咨询): long, the ask at the end
    heldout_r2_voice   0.902 / 0.913   voice-to-text run-ons, northern, Sichuan and Wu dialect, typos
    heldout_r2_mixed   0.903 / 0.957   小红书 style: hashtags, emoji, traditional characters, English and pinyin
    heldout_r2_pairs   0.968 / 0.964   the confusable pairs side by side (asking vs acting, report vs letter,
                                       member vs joining, benefit vs hardship, contract vs dismissal ...),
                                       written after the three above were tuned
    heldout_r2_long    0.806 / 0.812   long stories (100-200 characters) with the ask at the end, written last
    heldout_r2_short   0.984 / 0.964   fragments of two to eight characters, dialect, traditional
    heldout_r2_misc    0.900 / 0.824   for a parent or a spouse, an employer asking, rants, thanks then a question
    heldout_r2_traps   0.722 / 0.923   short keywords inside other words (喂奶, 领导, 早就, 今天气温, 好几个月)
    heldout_r2_formal  0.920 / 0.818   legal and official wording (用人单位, 劳动者, 关于...的建议, 恳请贵会)
    heldout_r2_final   0.780 / 0.882   every style mixed, written after all of round 2 was added: the honest
                                       estimate of how the content meets messages nobody has seen
    heldout_r2_check   0.771 / 0.833   the same, once more after the final set's knowledge: about 0.78 intent
                                       accuracy is what to expect on messages unlike anything written here

Third round, each written before running the matcher on it, then used to add general knowledge:

    heldout_r3_1       0.923 / 0.900   52 messages, all 12 intents, legal most common, mixed styles
    heldout_r3_2       0.889 / 0.750   indirect descriptions (一拍屁股说没钱, 炒了鱿鱼, 被油烫到, 末位淘汰), asks to send someone
    heldout_r3_3       0.965 / 0.800   public-question and voice style, Wu dialect; topics missed: promises unlike the
                                       contract, sudden death at work, injuries on delivery runs, abuse, workplace rules
    heldout_r3_4       0.891 / 0.824   public-question titles (工资拖欠多久算违法), HR terms, indirect requests
                                       (0.909 / 0.853 once two labels were aligned with earlier sets': 托管班 is an
                                       activity, 离职证明 a dismissal matter)
    heldout_r3_5       0.873 / 0.706   voice run-ons (然后...然后), pay promised for later, weather stoppages, rules
                                       signed at entry, sent home for age, secrets, unhappy with a union cadre,
                                       small suggestions, "teach me"
    heldout_r3_6       0.818 / 0.750   new kinds of work and words (大厂, 被优化, 996, 主播, 编外, 网约车, 背调), parents
                                       writing for a child, numbers that look like words (两千出头, 每个人工资)
    heldout_r3_7       0.942 / 0.875   two-to-five-character fragments (被开了, 仲裁咋弄) beside 150-character stories,
                                       pinyin and homophone typos (加斑费, 词退, 补常)
    heldout_r3_8       0.860 / 0.786   confusable pairs again, follow-ups on earlier requests, near-labour matters
                                       that are not ours (公积金提取, 找工作, a stolen bike); one label later corrected
                                       (a union lawyer to sue is legal aid: legal_consult)
    heldout_r3_9       0.960 / 0.906   public-question titles and official wording (用人单位, 代通知金, 医疗期, 关于...的投诉),
                                       Zhejiang places and trades (义乌, 温州鞋厂, 宁波集卡)
    heldout_r3_10      0.740 / 0.613   the families in everyday words, almost no legal terms: the boss won't pay
                                       (赖账, 玩消失, 卷跑了), I was let go (扫地出门, 除名, 叫我们都散了), I got hurt
                                       (触电, 油漆味, 弄残了), can the union help me, my union cadre, a small idea;
                                       weak workplace hints alone placed ten of its intents (unsure, asking)
    heldout_r3_11      0.500 / 0.419   the same families in other everyday words, written after r3_10's were added:
                                       word lists do not carry over, so compositional patterns followed (money +
                                       never received, body part + lost, nothing signed, evidence + enough?, insurance
                                       + never paid, pushed out + not a cent); one label aligned (入了会有什么实惠 is
                                       asked before joining: join_union)
    heldout_r3_12      0.640 / 0.500   everyday words once more, written after r3_11's patterns: the patterns carried
                                       over better than r3_10's word lists did (0.500 -> 0.640), and weak workplace
                                       hints placed a third of the legal messages (unsure, asking)
    heldout_r3_13      0.820 / 0.767   every style mixed, written after all of round 3 was added: the honest estimate
                                       (round 2's equivalents: 0.780 / 0.882 and 0.771 / 0.833)
    heldout_r3_14      0.880 / 0.733   the same once more after set 13's knowledge: intent is up on round 2, topic is
                                       not (a story naming pay in passing still reads as unpaid wages)
    heldout_r3_15      0.840 / 0.871   mixed
    heldout_r3_16      0.640 / 0.633   everyday words again, after everything: legal topics carry over better than
                                       before (r3_11 0.419, r3_12 0.500), plain-spoken requests to the union (a
                                       "manager", "someone", "the people above", a good word for a cadre) do not
    heldout_r3_17      0.775 / 0.696   everyday words, short, after set 16's knowledge

Fourth round, each written before running the matcher on it, aimed at plain everyday requests to the union and at
the topic of long stories that mention several things (the ask decides the topic):

    heldout_r4_1       0.810 / 0.929   42 messages: a person who decides (能做主的人), letting the people above know,
                                       praise for a cadre, what membership brings (交了会费有啥好处), cheaper prices,
                                       medical bills repaid, long stories with pay mentioned in passing
    heldout_r4_2       0.850 / 0.923   40 messages in the same spirit, other words: someone responsible (负责的同志),
                                       praise and thanks through the union, suggestions as complaints (用的地方太少),
                                       a boss's fuel card for his own car, perks only for friends, dispatch + injury,
                                       looking for a side job (not ours); one label aligned with earlier sets
                                       (当了会员能享受点啥 is asked before joining: join_union)
    heldout_r4_3       0.750 / 0.857   40 messages, plainer still: 来个人吧, 换个懂行的来, 值班的老师在吗, thanks for a
                                       visit, a cadre who is a good person, what the card is for, odd jobs joining,
                                       names on a trip list who never went, sick-leave deductions after an injury,
                                       months without a cent (没领到一分钱)
    heldout_r4_4       0.800 / 0.846   40 messages, long stories that say pay is fine in passing (工钱一直按月结的没问题)
                                       before the real ask (a fall, a penalty on resigning), the union's lawyer,
                                       someone in charge of this, a word passed upwards, 我觉得工会可以多..., proof of
                                       membership, bribes for a post, the well-off drawing hardship aid
    heldout_r4_5       0.875 / 0.923   40 messages, mixed: pay in passing (为了多挣点钱, 也就四千来块, 钱不钱的), sent
                                       home past an age, "look over this contract for me" (legal advice, not a
                                       person), 你们头儿, sending someone else in my place, dues spent on dinners
    heldout_r4_6       0.725 / 0.923   40 messages, plainest wording: 管事儿的, 让你们领导来, 说给大领导听, please set up
                                       a union here, help my family, 挂个名, is my old membership still there, a
                                       cadre at mahjong in work hours, bad water, where to sue and what it costs
    heldout_r4_7       0.825 / 0.923   40 messages, every style mixed after sets 1-6: pay fine in passing then fumes
                                       at work (work injury), transfer to the lawyer, praise for a trip well run,
                                       thanks to a named cadre (刘大姐), a widow who cannot cope, minors hired,
                                       the dead on an aid list
    heldout_r4_8       0.775 / 0.857   40 messages, plain requests again after set 7: 找个能办事的, 有个人回我一下,
                                       递个话, a cadre who mediated well, 我有个小建议 beside activity words, a letter
                                       opening 领导你们好, safety hazards, pay fine then "how many months", a second
                                       leave counted as absence, withdrawing a resignation
    heldout_r4_9       0.800 / 0.867   40 messages, mixed: someone on duty in the evening, "let the leaders hear us",
                                       good things to take, 两癌筛查 (a perk, not illness), the card at the cinema,
                                       membership after resigning, staff made to chip in for a boss's birthday, "do
                                       I owe them if I quit", 我要投诉，你们帮我 (run together: not a complaint about us)
    heldout_r4_10      0.750 / 0.929   40 messages, mixed, after sets 1-9: someone who knows labour law on the phone,
                                       your people higher up, a thumbs-up for aid work, 会不会送西瓜, 快断粮了, 能入你们吗,
                                       no word on an application, a director giving away film tickets, noise deafness
                                       with pay "not short", a group coming to the union together
    heldout_r4_11      0.825 / 0.800   40 messages, mixed, after sets 1-10: someone to talk it through with, thanks
                                       for wages won back last year, what care a member gets, no income and no school
                                       money, mutual-aid funds lent to relatives, workers left unregistered to pay
                                       less, pregnancy in a story of no contract, night-shift allowance, injury
                                       insurance never paid (an insurance matter even when someone is hurt)
    heldout_r4_12      0.875 / 1.000   40 messages, mixed, written last: the lawyer in charge of labour law, a fair
                                       (游园会), check-up places sold off, fire extinguishers borrowed for inspections;
                                       one label aligned (入了会以后每年能去体检吗 is asked before joining: join_union,
                                       which the matcher tied with benefit_query at first sight)
    heldout_r4_13      0.725 / 0.857   40 short plain messages, after sets 1-12: 能拿主意的, meet your people, tell
                                       your superiors (a street lamp), thanks for a child's grant, still able to join
                                       at fifty, 还能去吗, tomorrow's weather, fake overtime slips, insurance "broken",
                                       "I'll sue him, what do I bring", only you can help now. Short plain wording
                                       remains the weakest style: every set of it found new families.
    heldout_r4_14      0.850 / 0.786   40 short plain messages once more, after set 13's knowledge: intent carried
                                       over better (0.725 -> 0.850), topics of two-clause fragments did not (扣了身份证,
                                       无缘无故开了, 临时工不用交保险); one label aligned with heldout_r3_17 (a team
                                       leader withholding the workers' heat allowance is a pay question: legal_consult)
    heldout_r4_15      0.825 / 0.867   40 messages, every style mixed, written last: the honest estimate after round 4
                                       (round 3's equivalents: 0.820 / 0.767, 0.880 / 0.733). Missed: pay withheld
                                       on leaving "still not paid now", platform "partnership" (which relationship?),
                                       a labour-bureau complaint gone silent, 谁管这个, 替我们说句话, a grant collected
                                       by a workshop director
    heldout_r4_16      0.885 / 0.667   26 messages, mostly long stories in which pay is fine or mentioned in passing:
                                       intent holds, topic does not yet (no insurance -> no maternity allowance, a
                                       transfer with a pay cut, evidence + where to apply, days of leave docked)
    heldout_r4_17      1.000 / 0.800   15 long stories (80-120 characters), the ask at the end, pay fine or in passing,
                                       after set 16's knowledge: missed the time limit after a year, a deduction
                                       "for team-building" beside punctual pay, "the first to be laid off is me"
                                       after years without a contract

    Round 4 altogether at first sight: 643 messages, 0.812 intent / 0.868 topic accuracy (round 3's mixed sets:
    0.82-0.88 / 0.73-0.87). Plain everyday requests improved within the round (sets of short plain messages went
    0.725 -> 0.850) but every fresh set still found new families; long stories keep the intent (0.885, 1.000)
    while their topic is the remaining weak point (0.667, 0.800).

(0.968, 0.902, 0.919 intent accuracy with jieba's word boundaries, before any new knowledge.)

All 1016 of the first round together at first sight: about 0.84 intent accuracy. They have since been used to find missing
knowledge, so only a fresh set measures what is new.
"""
import json
from pathlib import Path

import pytest

from bot.cli.nlu import evaluate

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "intents_dev.jsonl"  # shared/ sits beside the repository
HERE = Path(__file__).parent
REGRESSION_SETS = sorted(HERE.glob("heldout*.jsonl"))  # regression sets (named when they were still unseen)


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not DEV_SET.exists(), reason="the shared development set is not here")
def test_development_set_targets(matcher):
    result = evaluate(matcher, _rows(DEV_SET))
    assert result["accuracy"] >= 0.92
    assert result["macro_f1"] >= 0.90
    assert result["topic_accuracy"] >= 0.85


@pytest.mark.parametrize("path", REGRESSION_SETS, ids=lambda p: p.stem)
def test_regression_set_targets(matcher, path):
    result = evaluate(matcher, _rows(path))
    assert result["accuracy"] >= 0.92
    assert result["topic_accuracy"] is None or result["topic_accuracy"] >= 0.85
