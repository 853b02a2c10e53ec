"""Intent and legal-topic matching: weighted phrases from content/nlu, negation, the ask at the end of a story."""
from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.nlu.normalize import EMPTY, Corrections, normalize

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.nlu.tokenizer import DomainTokenizer

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INTENTS = (
    "join_union", "membership_query", "legal_consult", "rights_complaint", "report", "chairman_mailbox",
    "benefit_query", "hardship_aid", "activity", "greeting_help", "human_agent", "out_of_scope",
)
LEGAL_INTENTS = ("legal_consult", "rights_complaint")
TOPIC_PREFIX = "topic:"
_RELOAD_CHECK_SECONDS = 1.0
_SHORT = 2  # CJK phrases of at most this many characters count only as whole jieba tokens
_JIEBA_MIN_FREQ = 10  # jieba's words seen at least 10 times: the same matches as the whole dictionary, loaded 3x faster
_PHRASE_FREQ = 20000  # as dictionary.txt: high enough that jieba keeps a content phrase whole, and no slow guessing


@dataclass(frozen=True)
class Match:
    """What a worker's message asks for, and how sure we are."""

    intent: str            # one of the 12 labels; the best guess even when unsure
    topic: str | None      # legal topic for legal_consult / rights_complaint, else None
    score: float           # confidence 0..1
    confident: bool        # False -> the dialogue must ask a clarifying question
    candidates: tuple[tuple[str, float], ...]  # top 3 (intent, score), best first
    keywords: tuple[str, ...]   # the matched keywords
    normalized: str        # text after normalisation
    negated: bool = False  # a negation (不是要投诉, 不想入会, 就问问) changed some weights


@dataclass
class _Content:
    """Everything read from content/nlu, compiled for fast scanning."""

    phrases: dict[str, dict[str, float]] = field(default_factory=dict)  # phrase -> {intent or topic:x: weight}
    by_first: dict[str, list[str]] = field(default_factory=dict)  # first character -> phrases, longest first
    negators: tuple[str, ...] = ()
    ask_only: dict[str, dict[str, float]] = field(default_factory=dict)
    request_cues: tuple[str, ...] = ()
    openers: dict[str, dict[str, float]] = field(default_factory=dict)  # phrase at the very start -> bonuses
    patterns: list[tuple[re.Pattern, str, dict[str, float]]] = field(default_factory=list)  # regex, source, weights
    fallback: tuple[str, ...] = ("legal_consult", "join_union", "benefit_query")
    # When no phrase matched at all: words that still hint at a service (老板, 厂里 -> a labour question), best first.
    weak_hints: tuple[tuple[str, tuple[str, ...]], ...] = ()
    weak_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # intent -> services to offer after it
    topic_to_intent: dict[str, float] = field(default_factory=dict)
    needs_topic: dict[str, float] = field(default_factory=dict)  # intent -> factor when no topic is named
    default_topic: str = "other_labor"
    asking_topics: frozenset[str] = frozenset()  # topic:x labels whose words at the end of a story are the ask
    settings: dict[str, float] = field(default_factory=dict)
    corrections: Corrections = field(default_factory=Corrections)
    labels: dict[str, str] = field(default_factory=dict)
    clarify: dict[str, str] = field(default_factory=dict)


DEFAULT_SETTINGS = {
    "threshold": 0.5,          # confidence below this -> ask a clarifying question
    "min_score": 1.5,          # raw evidence below this -> ask, whatever the confidence
    "temperature": 1.6,        # softmax temperature turning raw scores into confidence
    "null_score": 1.0,         # the raw score of "none of these", which keeps weak evidence unsure
    "end_boost": 1.4,          # weight multiplier for phrases in the last part of a long message
    "long_message": 24,        # characters from which a message counts as a story
    "end_fraction": 0.55,      # the last part starts at this fraction of the message
    "long_story": 60,          # characters from which an asking topic's words at the end get the end boost too
    "negation_window": 5,      # characters between a negator and the phrase it negates
    "in_form_min_score": 3.0,  # inside a form, the evidence needed to switch requests
    "in_form_threshold": 0.7,
}


DEFAULT_CLARIFY = {
    "unsure": "抱歉，我不太确定您想办哪件事。请回复数字：\n{choices}",
    "unknown": "抱歉，我没看懂您的意思。请回复数字：\n{choices}",
    "choice": "{number}. {label}",
}
# Not offered as a numbered choice: they are not services a worker picks.
_NOT_A_CHOICE = ("out_of_scope", "greeting_help")
_WEAK_HINT_SCORE = 0.2  # confidence of a guess from a workplace word alone (always below the threshold)
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def _latin_bounded(text: str, start: int, length: int) -> bool:
    """Return True when a latin phrase at start is a whole word (hi in 'hi', not in 'this')."""
    before = text[start - 1] if start > 0 else " "
    after = text[start + length] if start + length < len(text) else " "
    return not ("a" <= before <= "z") and not ("a" <= after <= "z")


def _whole_word(norm: str, cuts: frozenset[int], start: int, length: int) -> bool:
    """Return True when a short phrase at start is a word of its own in jieba's reading of the message.

    One character must be a whole token (会 not in 开会, 好 not in 好几个 or 最好, 伤 not in 伤害). Two characters
    must begin or end a token: the head or the modifier of a compound keeps its sense (比赛 in 篮球比赛, 辞职 in
    辞职信), a pair cut across two words is a coincidence (入会 in 收入/会费, 天气 in 今天/气温). A doubled word
    made of the phrase's own characters counts too (喂喂, 吃吃喝喝).
    """
    end = start + length
    if (start in cuts and end in cuts) or (length > 1 and (start in cuts or end in cuts)):
        return True
    token_start = max(c for c in cuts if c <= start)
    token_end = min(c for c in cuts if c >= end)
    return set(norm[token_start:token_end]) <= set(norm[start:end])


def _load_yaml(path: Path) -> dict:
    if not path.exists():
        return {}
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def _add(phrases: dict[str, dict[str, float]], phrase: str, label: str, weight: float) -> None:
    phrase = normalize(str(phrase), EMPTY)
    if not phrase:
        return
    slot = phrases.setdefault(phrase, {})
    slot[label] = slot.get(label, 0.0) + float(weight)


def load_content(content_dir: Path) -> _Content:
    """Read intents.yaml, topics.yaml and corrections.txt from content_dir/nlu."""
    nlu = content_dir / "nlu"
    intents = _load_yaml(nlu / "intents.yaml")
    topics = _load_yaml(nlu / "topics.yaml")
    content = _Content()
    content.settings = {**DEFAULT_SETTINGS, **{k: float(v) for k, v in (intents.get("settings") or {}).items()}}
    content.corrections = Corrections.from_file(nlu / "corrections.txt")
    content.negators = tuple(normalize(n, EMPTY) for n in intents.get("negators") or ())
    content.request_cues = tuple(normalize(n, EMPTY) for n in intents.get("request_cues") or ())
    content.fallback = tuple(intents.get("fallback_candidates") or content.fallback)
    content.weak_hints = tuple(
        (str(intent), tuple(sorted({normalize(str(w), content.corrections) for w in words} - {""}, key=len, reverse=True)))
        for intent, words in (intents.get("weak_hints") or {}).items())
    content.weak_choices = {str(k): tuple(v) for k, v in (intents.get("weak_hint_choices") or {}).items()}
    content.clarify = {**DEFAULT_CLARIFY, **{k: str(v) for k, v in (intents.get("clarify") or {}).items()}}
    for phrase, weights in (intents.get("ask_only") or {}).items():
        content.ask_only[normalize(str(phrase), EMPTY)] = {k: float(v) for k, v in weights.items()}
    for spec in intents.get("patterns") or ():
        source = str(spec["pattern"])
        content.patterns.append((re.compile(source), source, {k: float(v) for k, v in spec["weights"].items()}))
    for phrase, weights in (intents.get("openers") or {}).items():
        content.openers[normalize(str(phrase), EMPTY)] = {k: float(v) for k, v in weights.items()}
    phrases: dict[str, dict[str, float]] = {}
    for intent, spec in (intents.get("intents") or {}).items():
        if intent not in INTENTS:
            raise ValueError(f"intents.yaml: unknown intent {intent!r}")
        content.labels[intent] = str(spec.get("label") or intent)
        for phrase, weight in (spec.get("keywords") or {}).items():
            _add(phrases, phrase, intent, weight)
        for phrase, weight in (spec.get("against") or {}).items():
            _add(phrases, phrase, intent, -abs(float(weight)))
    content.topic_to_intent = {k: float(v) for k, v in (topics.get("intent_weights") or {}).items()}
    content.default_topic = topics.get("default_topic", "other_labor")
    content.asking_topics = frozenset(TOPIC_PREFIX + t for t in topics.get("asking_topics") or ())
    content.needs_topic = {k: float(v) for k, v in (topics.get("needs_topic") or {}).items()}
    for topic, spec in (topics.get("topics") or {}).items():
        content.labels[TOPIC_PREFIX + topic] = str(spec.get("label") or topic)
        for phrase, weight in (spec.get("keywords") or {}).items():
            _add(phrases, phrase, TOPIC_PREFIX + topic, weight)
    _inherit_labels(phrases)
    # Corrections run before matching, so phrases are stored in their corrected form too.
    content.phrases = {content.corrections.apply(p): w for p, w in phrases.items()}
    by_first: dict[str, list[str]] = {}
    for phrase in content.phrases:
        by_first.setdefault(phrase[0], []).append(phrase)
    for bucket in by_first.values():
        bucket.sort(key=len, reverse=True)
    content.by_first = by_first
    return content


def _inherit_labels(phrases: dict[str, dict[str, float]]) -> None:
    """Let a phrase carry the labels of the phrases inside it that it does not set itself.

    The longest phrase wins a match, so without this 能入会吗 (an "against" for legal_consult) would hide
    入会吗 (for join_union), and 我要讨薪 would hide the topic of 讨薪. Every phrase inside counts, overlapping
    ones too (帮我讨薪 holds both 帮我讨 and 讨薪); a label takes the strongest weight found inside.
    """
    inherited: dict[str, dict[str, float]] = {}
    for phrase, own in phrases.items():
        extra: dict[str, float] = {}
        n = len(phrase)
        inners = {phrase[i:j] for i in range(n) for j in range(i + 1, n + 1) if j - i < n}
        for inner in inners & phrases.keys():
            for label, weight in phrases[inner].items():
                # The strongest wins; on a tie the positive one, so the result never depends on set order.
                if label not in own and (abs(weight), weight) > (abs(extra.get(label, 0.0)), extra.get(label, 0.0)):
                    extra[label] = weight
        if extra:
            inherited[phrase] = extra
    for phrase, extra in inherited.items():
        phrases[phrase].update(extra)


def check_content(content_dir: str | Path) -> list[str]:
    """Return the problems in content_dir/nlu (empty when the files are sound), in words an editor understands."""
    nlu = Path(content_dir) / "nlu"
    problems: list[str] = []
    topics_known: set[str] = set()
    try:
        topics = _load_yaml(nlu / "topics.yaml")
        for topic, spec in (topics.get("topics") or {}).items():
            topics_known.add(topic)
            problems += _check_weights(f"topics.yaml: {topic}", (spec or {}).get("keywords"))
        for topic in topics.get("asking_topics") or ():
            if topic not in topics_known:
                problems.append(f"topics.yaml: asking_topics names an unknown topic {topic!r}")
        if topics.get("default_topic", "other_labor") not in topics_known:
            problems.append(f"topics.yaml: default_topic {topics.get('default_topic')!r} is not a topic")
        for intent in topics.get("intent_weights") or {}:
            if intent not in INTENTS:
                problems.append(f"topics.yaml: intent_weights names an unknown intent {intent!r}")
    except (yaml.YAMLError, ValueError) as exc:
        problems.append(f"topics.yaml: {exc}")
    try:
        intents = _load_yaml(nlu / "intents.yaml")
        specs = intents.get("intents") or {}
        for intent in INTENTS:
            if intent not in specs:
                problems.append(f"intents.yaml: intent {intent} has no keywords")
        for intent, spec in specs.items():
            if intent not in INTENTS:
                problems.append(f"intents.yaml: unknown intent {intent!r} (known: {', '.join(INTENTS)})")
                continue
            problems += _check_weights(f"intents.yaml: {intent}", (spec or {}).get("keywords"))
            problems += _check_weights(f"intents.yaml: {intent} against", (spec or {}).get("against"))
        for number, spec in enumerate(intents.get("patterns") or (), 1):
            try:
                re.compile(str(spec["pattern"]))
                unknown = [k for k in spec["weights"] if k not in INTENTS and k[len(TOPIC_PREFIX):] not in topics_known]
                if unknown:
                    problems.append(f"intents.yaml: patterns #{number}: unknown intent or topic {unknown}")
            except (KeyError, TypeError, AttributeError):
                problems.append(f"intents.yaml: patterns #{number}: needs 'pattern' and 'weights'")
            except re.error as exc:
                problems.append(f"intents.yaml: patterns #{number}: not a valid pattern: {exc}")
        for section in ("openers", "ask_only"):
            for phrase, bonuses in (intents.get(section) or {}).items():
                for intent in (bonuses or {}):
                    if intent not in INTENTS:
                        problems.append(f"intents.yaml: {section} {phrase}: unknown intent {intent!r}")
        for intent in intents.get("fallback_candidates") or ():
            if intent not in INTENTS:
                problems.append(f"intents.yaml: fallback_candidates: unknown intent {intent!r}")
        for intent in intents.get("weak_hints") or {}:
            if intent not in INTENTS:
                problems.append(f"intents.yaml: weak_hints: unknown intent {intent!r}")
        for intent, offered in (intents.get("weak_hint_choices") or {}).items():
            unknown = [i for i in [intent, *(offered or ())] if i not in INTENTS]
            if unknown:
                problems.append(f"intents.yaml: weak_hint_choices: unknown intent {unknown}")
        for key, value in (intents.get("settings") or {}).items():
            if key not in DEFAULT_SETTINGS:
                problems.append(f"intents.yaml: settings: unknown setting {key!r}")
            elif not isinstance(value, (int, float)):
                problems.append(f"intents.yaml: settings: {key} must be a number, got {value!r}")
    except (yaml.YAMLError, ValueError) as exc:
        problems.append(f"intents.yaml: {exc}")
    table = nlu / "corrections.txt"
    if table.exists():
        for number, raw in enumerate(table.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if line and len(line.split("\t") if "\t" in line else line.rsplit(None, 1)) != 2:
                problems.append(f"corrections.txt line {number}: expected 'wrong<TAB>right', got {raw!r}")
    return problems


def _check_weights(where: str, weights) -> list[str]:
    if weights is None:
        return []
    if not isinstance(weights, dict):
        return [f"{where}: expected 'phrase: weight' lines"]
    return [f"{where}: weight of {phrase!r} must be a number, got {weight!r}"
            for phrase, weight in weights.items() if not isinstance(weight, (int, float)) or isinstance(weight, bool)]


def _dictionary_words(content: _Content) -> list[str]:
    """Content phrases jieba should keep whole: Chinese words, not fragments such as 的活动 or 我要投诉."""
    return [p for p in content.phrases
            if 2 <= len(p) <= 6 and not p.isascii() and p[0] not in "的了是我你他她在不也都就还很"]


def _content_files(content_dir: Path) -> list[Path]:
    nlu = content_dir / "nlu"
    return [nlu / name for name in ("intents.yaml", "topics.yaml", "corrections.txt", "dictionary.txt")]


class IntentMatcher:
    """Scores a worker's message against the intents and legal topics kept in content/nlu."""

    def __init__(self, content_dir: str | Path, cache_dir: str | Path | None = None):
        self.content_dir = Path(content_dir)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._lock = threading.Lock()
        self._tokenizer: "DomainTokenizer | None" = None
        self._segmenter: "DomainTokenizer | None" = None
        self._content = load_content(self.content_dir)
        self._stamp = self._files_stamp()
        self._refused: tuple | None = None  # the files' stamp last refused (logged once)
        self._next_check = time.monotonic() + _RELOAD_CHECK_SECONDS

    @classmethod
    def from_content(cls, content_dir: str | Path, cache_dir: str | Path | None = None) -> "IntentMatcher":
        """Build a matcher from a content directory (the one holding nlu/)."""
        return cls(content_dir, cache_dir)

    # -- content -----------------------------------------------------------------------------------

    @property
    def tokenizer(self) -> "DomainTokenizer":
        """jieba with jieba's whole dictionary, ours and every content phrase kept whole (for the misses report)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._build_tokenizer(min_freq=0)
        return self._tokenizer

    @property
    def segmenter(self) -> "DomainTokenizer":
        """jieba as the matcher reads a message: our words and jieba's everyday words (built on first use)."""
        if self._segmenter is None:
            with self._lock:
                if self._segmenter is None:
                    self._segmenter = self._build_tokenizer(min_freq=_JIEBA_MIN_FREQ)
        return self._segmenter

    def _build_tokenizer(self, min_freq: int) -> "DomainTokenizer":
        from bot.nlu.tokenizer import DomainTokenizer

        return DomainTokenizer(self.content_dir / "nlu" / "dictionary.txt", self.cache_dir,
                               words=_dictionary_words(self._content), word_freq=_PHRASE_FREQ, min_freq=min_freq)

    @property
    def phrases(self) -> frozenset[str]:
        """Every phrase the content knows (for the unmatched-words report)."""
        return frozenset(self._content.phrases)

    @property
    def threshold(self) -> float:
        """Confidence below which the dialogue asks a clarifying question (also marks a message unplaced)."""
        return self._content.settings["threshold"]

    @property
    def default_topic(self) -> str:
        """The topic given to a legal message that names none."""
        return self._content.default_topic

    def label(self, intent_or_topic: str) -> str:
        """Return the Chinese name of an intent or a topic, for questions to the worker."""
        return self._content.labels.get(intent_or_topic) or self._content.labels.get(
            TOPIC_PREFIX + intent_or_topic, intent_or_topic)

    def _files_stamp(self) -> tuple:
        stamp = []
        for path in _content_files(self.content_dir):
            try:
                info = os.stat(path)
                stamp.append((info.st_mtime_ns, info.st_size))
            except FileNotFoundError:
                stamp.append(None)
        return tuple(stamp)

    def reload_if_changed(self) -> bool:
        """Reload content/nlu when a file changed (checked at most once a second); return True if reloaded."""
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + _RELOAD_CHECK_SECONDS
        stamp = self._files_stamp()
        if stamp == self._stamp or stamp == self._refused:
            return False
        # An editor's save caught half-way (an empty or cut file) or a broken edit would leave the bot
        # understanding nothing: keep the content in use until the files are sound again.
        problems = check_content(self.content_dir)
        try:
            content = None if problems else load_content(self.content_dir)
        except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
            problems, content = [str(exc)], None
        if content is None or self._files_stamp() != stamp:  # changed again while being read: next check
            if problems:
                log.warning("content/nlu not reloaded, the files have problems: %s", "; ".join(problems[:3]))
                self._refused = stamp
            return False
        with self._lock:
            self._content = content
            self._stamp = stamp
            for tokenizer in (self._tokenizer, self._segmenter):
                if tokenizer is None:
                    continue
                dictionary = self.content_dir / "nlu" / "dictionary.txt"
                if dictionary.exists():
                    tokenizer.load_dictionary(dictionary)
                for phrase in _dictionary_words(content):
                    tokenizer.add_word(phrase, _PHRASE_FREQ)
        return True

    # -- matching ----------------------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """Normalise text with this content's correction table."""
        return normalize(text or "", self._content.corrections)

    def _boundaries(self, norm: str) -> frozenset[int]:
        """Return the offsets in norm where jieba's tokens start or end."""
        return self.segmenter.boundaries(norm)

    @staticmethod
    def _scan(norm: str, content: _Content, boundaries=None) -> tuple[dict[str, float], list[str], bool]:
        """Return raw scores per intent and topic, the matched phrases, and whether a negation applied.

        boundaries(norm) gives jieba's token boundaries; a short phrase counts only where it is a whole token.
        """
        settings = content.settings
        cuts: frozenset[int] | None = None
        phrases, by_first = content.phrases, content.by_first
        n = len(norm)
        story = n >= settings["long_message"]
        # In a long story the situation's words pile up; a procedure question at its end must still be heard.
        asking_topics = content.asking_topics if n >= settings["long_story"] else frozenset()
        end_start = int(n * settings["end_fraction"])
        window = int(settings["negation_window"])
        # Negators as (start, end); one inside a matched phrase (是不是, 不要机器人) negates nothing.
        negators: list[list[int]] = []
        for negator in content.negators:
            start = norm.find(negator)
            while start != -1:
                negators.append([start, start + len(negator)])
                start = norm.find(negator, start + 1)
        scores: dict[str, float] = {}
        matched: list[str] = []
        negated = False
        last_end = 0
        i = 0
        while i < n:
            bucket = by_first.get(norm[i])
            hit = None
            if bucket:
                for phrase in bucket:
                    if not norm.startswith(phrase, i):
                        continue
                    if phrase.isascii():
                        if not _latin_bounded(norm, i, len(phrase)):
                            continue
                    elif len(phrase) <= _SHORT and boundaries is not None:
                        if cuts is None:
                            cuts = boundaries(norm)
                        if not _whole_word(norm, cuts, i, len(phrase)):
                            continue
                    hit = phrase
                    break
            if hit is None:
                i += 1
                continue
            end = i + len(hit)
            factor = settings["end_boost"] if story and i >= end_start else 1.0
            if negators:
                # Only the first phrase after a negator is negated: 不想入会 yes, 不要女的算不算 (算不算) no.
                if any(last_end <= neg_end <= i and i - neg_end <= window and neg_start >= last_end
                       for neg_start, neg_end in negators):
                    factor = -factor
                    negated = True
                negators = [span for span in negators if not i <= span[0] < end]
            for label, weight in phrases[hit].items():
                # The end of a story holds the ask (an intent), not the situation (a topic): no end boost for topics,
                # except those that are themselves a question of what to do next (how to go to arbitration).
                # Nor does a negator turn a situation around: 不要加班费, 不给交社保, 不是工伤吗 are still about it.
                if label.startswith(TOPIC_PREFIX) and label not in asking_topics:
                    scale = 1.0
                else:
                    scale = factor
                # A negated phrase argues against its intent; a negated "against" phrase stays neutral.
                value = weight * scale if weight > 0 or scale > 0 else 0.0
                scores[label] = scores.get(label, 0.0) + value
            # An opener speaks for the whole message only when something follows it (感谢 alone is a thank-you).
            for label, bonus in content.openers.get(hit, {}).items() if i == 0 and n - end >= 4 else ():
                scores[label] = scores.get(label, 0.0) + bonus
            matched.append(hit)
            last_end = end
            i = end
        for pattern, _, weights in content.patterns:
            found = pattern.search(norm)
            if found is None:
                continue
            start = found.start()
            # 不想入杭州的工会: a negator just before (or overlapping) the match turns it around.
            near = norm[max(0, start - 3):start + 1]
            sign = -1.0 if any(negator in near for negator in content.negators) else 1.0
            negated = negated or sign < 0
            matched.append(found.group(0))
            for label, weight in weights.items():
                scores[label] = scores.get(label, 0.0) + sign * weight
        for cue, penalties in content.ask_only.items():
            if cue in norm:
                negated = True
                matched.append(cue)
                for label, weight in penalties.items():
                    scores[label] = scores.get(label, 0.0) + weight
        return scores, matched, negated

    def _topic(self, scores: dict[str, float]) -> tuple[str | None, float]:
        best, best_score = None, 0.0
        for label, value in scores.items():
            if label.startswith(TOPIC_PREFIX) and value > best_score:
                best, best_score = label[len(TOPIC_PREFIX):], value
        return best, best_score

    def classify(self, text: str, in_form: bool = False) -> Match:
        """Return the intent (and legal topic) of a worker's message; see Match.confident for when to ask."""
        content = self._content  # one snapshot: a reload in another thread does not mix two versions
        settings = content.settings
        norm = normalize(text or "", content.corrections)
        scores, matched, negated = self._scan(norm, content, self._boundaries) if norm else ({}, [], False)
        topic, topic_score = self._topic(scores)
        intent_scores = {intent: scores.get(intent, 0.0) for intent in INTENTS}
        if topic_score > 0:
            for intent, weight in content.topic_to_intent.items():
                intent_scores[intent] += weight * topic_score
        else:
            # "Help us" with no labour problem named (a family in need, a complaint about a neighbour) is weaker
            # evidence for the intents that are about a labour dispute.
            for intent, factor in content.needs_topic.items():
                if intent_scores[intent] > 0:
                    intent_scores[intent] *= factor
        ranked = sorted(intent_scores.items(), key=lambda kv: kv[1], reverse=True)
        top_intent, top_raw = ranked[0]
        if top_raw <= 0:
            return self._unplaced(content, norm, matched, negated, topic)
        temperature = settings["temperature"]
        exps = {i: math.exp(min(s, 60.0) / temperature) for i, s in intent_scores.items() if s > 0}
        total = sum(exps.values()) + math.exp(settings["null_score"] / temperature)
        probs = sorted(((i, e / total) for i, e in exps.items()), key=lambda kv: kv[1], reverse=True)
        confidence = probs[0][1]
        candidates = tuple((i, round(p, 3)) for i, p in probs[:3])
        if len(candidates) < 3:
            extra = [(i, 0.0) for i in content.fallback if i not in dict(candidates)]
            candidates = (candidates + tuple(extra))[:3]
        confident = confidence >= settings["threshold"] and top_raw >= settings["min_score"]
        if in_form:
            confident = confident and self._starts_new_request(content, text, norm, top_raw, confidence)
        if top_intent in LEGAL_INTENTS:
            topic = topic or content.default_topic
        else:
            topic = None
        return Match(top_intent, topic, round(confidence, 3), confident, candidates, tuple(matched), norm, negated)

    @staticmethod
    def _unplaced(content: _Content, norm: str, matched: list[str], negated: bool, topic: str | None = None) -> Match:
        # Nothing we know. A workplace word (老板, 厂里, 上班) still makes a labour question the likeliest reading:
        # guess it, unsure, and offer the services such a message usually wants. Otherwise "not our business" for
        # text, a greeting for emoji-only messages.
        for intent, words in content.weak_hints:
            hint = next((w for w in words if w in norm), None)
            if hint is not None:
                offered = content.weak_choices.get(intent, ()) + content.fallback
                order = (intent,) + tuple(dict.fromkeys(i for i in offered if i != intent))
                # Small made-up scores: a weak guess, but these are the services to offer (not the generic fallback).
                candidates = tuple((i, _WEAK_HINT_SCORE if n == 0 else _WEAK_HINT_SCORE / 2)
                                   for n, i in enumerate(order[:3]))
                topic = (topic or content.default_topic) if intent in LEGAL_INTENTS else None
                return Match(intent, topic, _WEAK_HINT_SCORE, False, candidates, tuple(matched) + (hint,), norm,
                             negated)
        intent = "out_of_scope" if norm and not norm.isdigit() else "greeting_help"
        candidates = tuple((i, 0.0) for i in content.fallback[:3])
        return Match(intent, None, 0.0, False, candidates, tuple(matched), norm, negated)

    @staticmethod
    def _starts_new_request(content: _Content, text: str, norm: str, top_raw: float, confidence: float) -> bool:
        settings = content.settings
        if len(norm) < 3 or norm.isdigit() or top_raw < settings["in_form_min_score"]:
            return False
        if confidence < settings["in_form_threshold"]:
            return False
        asks = "?" in text or "？" in text or any(cue in norm for cue in content.request_cues)
        return asks

    def clarifying_question(self, match: Match) -> tuple[str, tuple[str, ...]]:
        """Return the question to ask when match is not confident, and the intents its numbers stand for."""
        choices = [intent for intent, score in match.candidates if score > 0 and intent not in _NOT_A_CHOICE]
        for intent in self._content.fallback:
            if len(choices) >= 3:
                break
            if intent not in choices and intent not in _NOT_A_CHOICE:
                choices.append(intent)
        clarify = self._content.clarify
        lines = "\n".join(clarify["choice"].format(number=number, label=self.label(intent))
                          for number, intent in enumerate(choices, 1))
        template = clarify["unsure"] if match.score > 0 else clarify["unknown"]
        return template.format(choices=lines), tuple(choices)

    def resolve_choice(self, reply: str, choices: tuple[str, ...]) -> str | None:
        """Return the intent a reply such as '2', '２', '第二个' or '二' picks from choices, else None."""
        text = self.normalize(reply).removeprefix("第").removesuffix("个").removesuffix("项")
        number = int(text) if text.isdigit() else _CHINESE_DIGITS.get(text)
        if number is not None and 1 <= number <= len(choices):
            return choices[number - 1]
        return None

    def topic_of(self, text: str) -> str | None:
        """Return the legal topic of any text, or None when it names none."""
        content = self._content
        norm = normalize(text or "", content.corrections)
        if not norm:
            return None
        scores, _, _ = self._scan(norm, content, self._boundaries)
        return self._topic(scores)[0]
