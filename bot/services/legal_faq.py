"""The legal FAQ: curated labour-law answers, ranked against a worker's message with BM25."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.content import Replies
from bot.content_entries import (
    ContentError,
    fill_placeholders,
    load_figures,
    normalize,
    query_normalizer,
    read_yaml,
    require_str,
    require_str_list,
    tidy_text,
)

TOPICS = (
    "wage_arrears", "overtime_hours", "labor_contract", "dismissal_compensation", "work_injury",
    "social_insurance", "leave_maternity", "arbitration_procedure", "other_labor",
)
CITATION = re.compile(r"^《[^《》]+》第[一二三四五六七八九十百千零〇]+条")
ENTRY_FIELDS = ("id", "topic", "question", "aliases", "answer", "citations", "related")

# Words that carry no legal meaning; without them an unrelated message scores near zero.
STOPWORDS = frozenset("""
的 了 吗 呢 吧 啊 呀 嘛 哦 哈 么 是 不是 有 没 没有 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 这样 那样 什么 怎么 怎么办 怎样
怎么样 如何 可以 能 能不能 会 要 想 请问 问 问一下 一下 一个 还 也 都 就 在 和 跟 与 及 或 或者 给 被 把 对 让 到 从 为 为什么 吧
多少 几 多久 哪里 哪些 谁 呢 啥 咋 咋办 合法 合法吗 算 算不算 该 应该 现在 已经 然后 但是 可是 因为 所以 如果 还是 之后 以后 时候
个 了吗 啦 嗯 喂 好 好的 谢谢 你好 今天 明天 昨天 上 下 里 中 后 前 又 再 很 太 非常 自己 公司 单位 老板 工作 上班
工会 要不要 不要 哪 一 下不下 帮 帮我 帮忙 麻烦 知道 说 讲 看 看看 事 情况 东西 问题 最近
""".split())
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fffa-z0-9+]")

FIELD_WEIGHT_QUESTION = 1.0  # question + aliases: how workers ask
FIELD_WEIGHT_ANSWER = 0.3  # the answer text: helps, but should not dominate
BIGRAM_WEIGHT = 0.35  # character bigrams rescue typos and words jieba splits oddly
TOPIC_PRIOR_BOOST = 1.35
RERANK_DEPTH = 5  # BM25's best candidates weighed again by how much of the message they cover
RERANK_FLOOR = 0.6  # ... when they scored at least this share of the best
COVERAGE_FLOOR = 0.3  # fit = score x (COVERAGE_FLOOR + coverage)
MIN_SCORE = 5.0  # best_answer needs this score (calibrated with bench/faq.py and the tests)
MIN_EVIDENCE = 0.5  # and score x coverage (share of the message about the entry) at least this
MIN_SCORE_SHORT = 4.0  # or a lower score when at least MIN_COVERAGE_SHORT of the message is about the entry
MIN_COVERAGE_SHORT = 0.3
MISSING_IDF = 4.0  # weight of a message bigram no FAQ question uses


@dataclass(frozen=True)
class FaqEntry:
    """One curated question and its cited answer."""

    id: str
    topic: str
    question: str
    aliases: tuple[str, ...]
    answer: str  # placeholders already filled
    citations: tuple[str, ...]
    related: tuple[str, ...]


@dataclass(frozen=True)
class FaqHit:
    """An entry and how well it matched the worker's message (higher is better)."""

    entry: FaqEntry
    score: float


class _BM25:
    """Okapi BM25 over pre-tokenised documents."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = [len(d) for d in docs]
        self.avg = (sum(self.len) / len(docs)) if docs else 0.0
        df: Counter = Counter()
        for counts in self.tf:
            df.update(counts.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def score(self, query: list[str], i: int) -> float:
        """Return the BM25 score of document i for the query terms."""
        counts, total = self.tf[i], 0.0
        norm = self.k1 * (1 - self.b + self.b * self.len[i] / (self.avg or 1))
        for term in set(query):
            f = counts.get(term)
            if f:
                total += self.idf[term] * f * (self.k1 + 1) / (f + norm)
        return total


class LegalFAQ:
    """The curated FAQ with retrieval, topic listing and the worker-facing answer text."""

    def __init__(self, entries: list[FaqEntry], topic_titles: dict[str, str], disclaimer: str,
                 legal_aid: dict, tokenize: Callable[[str], list[str]], replies: Replies,
                 fold: Callable[[str], str] = normalize):
        self.entries = entries
        self.replies = replies  # the headings around an answer and legal aid (content/replies/legal.yaml)
        self._by_id = {e.id: e for e in entries}
        self._topic_titles = topic_titles
        self.disclaimer = disclaimer
        self.legal_aid = legal_aid
        self._tokenize = tokenize
        self._fold = fold  # the worker's message: normalised, typos fixed
        self._q_words = _BM25([self._terms(" ".join((e.question,) + e.aliases), bigrams=False) for e in entries])
        self._q_bigrams = _BM25([self._bigrams(" ".join((e.question,) + e.aliases)) for e in entries])
        self._a_words = _BM25([self._terms(e.answer, bigrams=False) for e in entries])

    # ---- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, content_dir: str | Path, tokenize: Callable[[str], list[str]] | None = None,
             replies: Replies | None = None) -> "LegalFAQ":
        """Load and validate content/legal/*.yaml and the regional figures; raise ContentError on a bad entry.

        The headings around an answer come from replies, by default those of content_dir.
        """
        content_dir = Path(content_dir)
        figures = load_figures(content_dir / "regional_figures.yaml")
        faq_path = content_dir / "legal" / "faq.yaml"
        data = read_yaml(faq_path)
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise ContentError(faq_path, "expected 'topics' and a list under 'entries'")
        titles = data.get("topics") or {}
        if set(titles) != set(TOPICS):
            raise ContentError(faq_path, f"'topics' must give a Chinese title for exactly {', '.join(TOPICS)}")
        entries = [cls._entry(faq_path, raw, figures) for raw in data["entries"]]
        seen: set[str] = set()
        for e in entries:
            if e.id in seen:
                raise ContentError(faq_path, "duplicate id", e.id)
            seen.add(e.id)
        for e in entries:
            for rel in e.related:
                if rel not in seen or rel == e.id:
                    raise ContentError(faq_path, f"unknown related id '{rel}'", e.id)

        disclaimer_path = content_dir / "legal" / "disclaimer.yaml"
        disclaimer = tidy_text(require_str(disclaimer_path, read_yaml(disclaimer_path) or {}, "text", None))
        if "12351" not in disclaimer:
            raise ContentError(disclaimer_path, "the disclaimer must give the 12351 hotline")
        aid_path = content_dir / "legal" / "legal_aid.yaml"
        legal_aid = read_yaml(aid_path)
        if not isinstance(legal_aid, dict):
            raise ContentError(aid_path, "expected a mapping")
        for field in ("title", "who_qualifies", "what_to_bring", "how_it_works"):
            if not legal_aid.get(field):
                raise ContentError(aid_path, f"missing '{field}'")
        legal_aid = _fill_deep(legal_aid, figures, aid_path)

        if tokenize is None:
            tokenize = _default_tokenizer(content_dir)
        return cls(entries, {t: str(titles[t]) for t in TOPICS}, disclaimer, legal_aid, tokenize,
                   replies if replies is not None else Replies(content_dir), query_normalizer(content_dir))

    @staticmethod
    def _entry(path: Path, raw: Any, figures: dict) -> FaqEntry:
        if not isinstance(raw, dict):
            raise ContentError(path, "entry must be a mapping")
        entry_id = str(raw.get("id") or "").strip() or None
        if entry_id is None:
            raise ContentError(path, f"entry without an id (question: {raw.get('question')!r})")
        missing = [f for f in ENTRY_FIELDS if f not in raw]
        if missing:
            raise ContentError(path, f"missing field(s) {', '.join(missing)}", entry_id)
        topic = require_str(path, raw, "topic", entry_id)
        if topic not in TOPICS:
            raise ContentError(path, f"unknown topic '{topic}'", entry_id)
        question = fill_placeholders(require_str(path, raw, "question", entry_id), figures, path, entry_id)
        answer = tidy_text(fill_placeholders(require_str(path, raw, "answer", entry_id), figures, path, entry_id))
        aliases = require_str_list(path, raw, "aliases", entry_id, 2, 5)
        citations = require_str_list(path, raw, "citations", entry_id, 1)
        for c in citations:
            if not CITATION.match(c):
                raise ContentError(path, f"citation not shaped like 《…》第…条: {c!r}", entry_id)
        related = require_str_list(path, raw, "related", entry_id, 2, 2)
        return FaqEntry(entry_id, topic, question, aliases, answer, citations, related)

    # ---- retrieval -----------------------------------------------------------------------
    def _terms(self, text: str, bigrams: bool = True) -> list[str]:
        words = [t for t in self._tokenize(normalize(text)) if _WORD.search(t) and t not in STOPWORDS]
        return words + (self._bigrams(text) if bigrams else [])

    @staticmethod
    def _bigrams(text: str) -> list[str]:
        out = []
        for run in _CJK.findall(normalize(text)):
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        return [b for b in out if b not in STOPWORDS]

    def search(self, text: str, topic_prior: str | None = None, limit: int = 3) -> list[FaqHit]:
        """Rank FAQ entries against the worker's message; entries of topic_prior get a boost."""
        return [hit for hit, _fit in self.ranked(text, topic_prior)][:limit]

    def ranked(self, text: str, topic_prior: str | None = None) -> list[tuple[FaqHit, float]]:
        """Every matching entry with how well it fits, best first.

        BM25 alone prefers the entry sharing the rarest word (手指压断 -> the 私了 entry); the close
        candidates are weighed again by how much of the worker's message each question covers,
        which picks the one about their situation (measured on tests/handlers/legal_questions.yaml:
        165 -> 172 of 184 first answers fit). The chat and the mini-program both rank this way.
        """
        folded = self._fold(text)
        hits = self._bm25(folded, topic_prior)
        if not hits:
            return []
        near = [h for h in hits[:RERANK_DEPTH] if h.score >= RERANK_FLOOR * hits[0].score]
        refit = sorted(((h, h.score * (COVERAGE_FLOOR + self.coverage(folded, h.entry))) for h in near),
                       key=lambda pair: (-pair[1], pair[0].entry.id))
        return refit + [(h, h.score * COVERAGE_FLOOR) for h in hits[len(near):]]

    def _bm25(self, text: str, topic_prior: str | None) -> list[FaqHit]:
        words = self._terms(text, bigrams=False)
        bigrams = self._bigrams(text)
        if not words and not bigrams:
            return []
        hits = []
        for i, entry in enumerate(self.entries):
            score = (FIELD_WEIGHT_QUESTION * self._q_words.score(words, i)
                     + BIGRAM_WEIGHT * self._q_bigrams.score(bigrams, i)
                     + FIELD_WEIGHT_ANSWER * self._a_words.score(words, i))
            if score <= 0:
                continue
            if topic_prior and entry.topic == topic_prior:
                score *= TOPIC_PRIOR_BOOST
            hits.append(FaqHit(entry, round(score, 4)))
        hits.sort(key=lambda h: (-h.score, h.entry.id))
        return hits

    def best_answer(self, text: str, topic_prior: str | None = None) -> FaqHit | None:
        """Return the best-fitting entry, or None when nothing fits well enough."""
        hits = self.search(text, topic_prior, limit=1)
        text = self._fold(text)
        if not hits:
            return None
        score, coverage = hits[0].score, self.coverage(text, hits[0].entry)
        # Two ways to fit: a short message mostly about the entry (讨薪, 欠薪咋办), or a strong match whose
        # score makes up for a long message that carries much else (places, names, feelings).
        # Chit-chat (今天天气怎么样) is low on both.
        short_and_on_point = score >= MIN_SCORE_SHORT and coverage >= MIN_COVERAGE_SHORT
        strong = score >= MIN_SCORE and score * coverage >= MIN_EVIDENCE
        return hits[0] if short_and_on_point or strong else None

    def coverage(self, text: str, entry: FaqEntry) -> float:
        """Return the share (0-1, idf-weighted) of the message's bigrams found in the entry's question and aliases."""
        grams = set(self._bigrams(text))
        if not grams:
            return 0.0
        i = self.entries.index(entry)
        idf = self._q_bigrams.idf
        total = sum(idf.get(g, MISSING_IDF) for g in grams)
        found = sum(idf[g] for g in grams if g in self._q_bigrams.tf[i])
        return found / total

    # ---- browsing ------------------------------------------------------------------------
    def get(self, entry_id: str) -> FaqEntry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    def by_topic(self, topic: str) -> list[FaqEntry]:
        """Return the entries of one topic, in file order."""
        return [e for e in self.entries if e.topic == topic]

    def topics(self) -> list[tuple[str, str]]:
        """Return (topic id, Chinese title) pairs in menu order."""
        return [(t, self._topic_titles[t]) for t in TOPICS]

    def topic_title(self, topic: str) -> str:
        """Return the Chinese title of a topic id."""
        return self._topic_titles.get(topic, topic)

    def related(self, entry: FaqEntry) -> list[FaqEntry]:
        """Return the entries listed as related to this one."""
        return [self._by_id[r] for r in entry.related if r in self._by_id]

    def format_answer(self, entry: FaqEntry) -> str:
        """Return the text a worker reads: the answer, its legal basis, the disclaimer and 12351."""
        basis = self.replies.get("legal_answer_basis", citations="；".join(entry.citations))
        return f"{entry.answer}\n\n{basis}\n\n{self.disclaimer}"

    def format_legal_aid(self) -> str:
        """Return the worker-facing summary of union legal aid: who, what to bring, how it works."""
        aid = self.legal_aid
        replies = self.replies
        lines = [aid["title"], "", replies.get("legal_aid_who_qualifies")]
        lines += [f"· {x}" for x in aid["who_qualifies"]]
        lines += ["", replies.get("legal_aid_what_to_bring")] + [f"· {x}" for x in aid["what_to_bring"]]
        lines += ["", replies.get("legal_aid_how_it_works")] + [f"{i}. {x}" for i, x in enumerate(aid["how_it_works"], 1)]
        if aid.get("note"):
            lines += ["", aid["note"]]
        return "\n".join(lines)


def _fill_deep(value: Any, figures: dict, path: Path) -> Any:
    if isinstance(value, str):
        return tidy_text(fill_placeholders(value, figures, path, None))
    if isinstance(value, list):
        return [_fill_deep(v, figures, path) for v in value]
    if isinstance(value, dict):
        return {k: _fill_deep(v, figures, path) for k, v in value.items()}
    return value


def _default_tokenizer(content_dir: Path) -> Callable[[str], list[str]]:
    from bot.nlu.tokenizer import DomainTokenizer

    dictionary = content_dir / "nlu" / "dictionary.txt"
    return DomainTokenizer(dictionary if dictionary.exists() else None).tokens
