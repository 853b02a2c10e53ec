"""content/nlu read and compiled for fast scanning: phrases, patterns, negators, settings; and its checks."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from bot.nlu.match import INTENTS, TOPIC_PREFIX
from bot.nlu.normalize import EMPTY, Corrections, normalize

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The regular expression parser, to find the characters a pattern cannot match without (see RulePattern).
# Private modules of Python 3.11+ (the project's Python): a Python without them fails here, at import.
from re import _constants as _sre, _parser as _sre_parse  # noqa: E402
_SMALL_RANGE = 64  # a character class of at most this many characters can gate its pattern ([一-龥] cannot)


class RulePattern:
    """A content pattern, its weights, and the characters every match needs (its gates); compiled on first use.

    Most of the few hundred patterns cannot match a given message: each names words the message does not
    contain. A gate is a set of characters of which every match holds at least one (工会 in a pattern gives {工}
    and {会}, (社保|保险) gives {社, 保}); a message lacking all the characters of one gate is not searched at
    all. Compiling is deferred too: re spends most of a pattern's compile time expanding [一-龥] (20,000
    characters), which made compiling them all a third of a second at start-up.
    """

    __slots__ = ("source", "weights", "gates", "_regex")

    def __init__(self, source: str, weights: dict[str, float]):
        self.source = source
        self.weights = weights
        self.gates: tuple[frozenset[str], ...] = required_chars(source)
        self._regex: re.Pattern | None = None

    @property
    def regex(self) -> re.Pattern:
        """The compiled pattern (compiled on first use)."""
        regex = self._regex
        if regex is None:  # two threads may both compile it: the same result, no lock needed
            regex = self._regex = re.compile(self.source)
        return regex

    def compile(self) -> None:
        """Compile now (start-up warming), so that no worker's message pays for it."""
        _ = self.regex

    def search(self, text: str) -> re.Match | None:
        """Return the first match in text, as re.search does."""
        return self.regex.search(text)


class PatternIndex:
    """The content's patterns indexed by the characters of one gate each: a message's characters name the few
    patterns worth searching, without a test per pattern."""

    def __init__(self, patterns: list[RulePattern], phrases: Iterable[str] = ()):
        self.patterns = patterns
        # How common a character is in messages, judged by how many content phrases hold it (会, 工, 不 are in
        # hundreds): the gate of the rarest characters indexes a pattern, the others are checked rarest first.
        common = Counter(char for phrase in phrases for char in set(phrase))

        def cost(gate: frozenset[str]) -> tuple:
            return sum(common[char] + 1 for char in gate), sorted(gate)

        self._rest: list[tuple[frozenset[str], ...]] = []
        self._by_char: dict[str, list[int]] = {}
        self._always: list[int] = []  # patterns without a gate: tried on every message
        for number, pattern in enumerate(patterns):
            gates = sorted(pattern.gates, key=cost)
            self._rest.append(tuple(gates[1:]))
            if gates:
                for char in gates[0]:
                    self._by_char.setdefault(char, []).append(number)
            else:
                self._always.append(number)

    def candidates(self, text: str) -> list[RulePattern]:
        """Return the patterns that may match text (every one that does, and few others), in content order."""
        chars = set(text)
        by_char = self._by_char
        numbers = set(self._always)
        for char in chars:
            found = by_char.get(char)
            if found is not None:
                numbers.update(found)
        patterns, rest = self.patterns, self._rest
        out = []
        for number in sorted(numbers):
            for gate in rest[number]:
                if gate.isdisjoint(chars):
                    break
            else:
                out.append(patterns[number])
        return out


def required_chars(source: str) -> tuple[frozenset[str], ...]:
    """Return sets of characters such that every match of source holds at least one character of each set.

    Derived from the parsed pattern, conservatively: anything not understood (a wide class, a negated one, a
    lookahead that must fail, a case-insensitive flag, a back-reference) requires nothing. Smallest sets first.
    Raises re.error when source is not a valid pattern.
    """
    parsed = _sre_parse.parse(source)  # a broken pattern raises re.error here, at load, as compiling did
    if parsed.state.flags & re.IGNORECASE:
        return ()
    try:
        gates = set(_needs(parsed))
    except (TypeError, ValueError, IndexError):  # a parse tree of a shape this code does not know
        return ()
    return tuple(sorted(gates, key=lambda gate: (len(gate), sorted(gate))))


def _needs(items) -> list[frozenset[str]]:
    """Return the gates of a sequence of parsed items: each item that must occur adds its own."""
    needs: list[frozenset[str]] = []
    for op, av in items:
        if op is _sre.LITERAL:
            needs.append(frozenset(chr(av)))
        elif op is _sre.IN:
            chars = _class_chars(av)
            if chars:
                needs.append(chars)
        elif op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                needs += _needs(sub)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)):
            low, _high, sub = av
            if low >= 1:
                needs += _needs(sub)
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            needs += _needs(av)
        elif op is _sre.ASSERT:
            # A lookahead or lookbehind that must succeed: its characters are in the message too.
            needs += _needs(av[1])
        elif op is _sre.BRANCH:
            # One branch matches: the union of each branch's smallest gate (nothing when a branch needs nothing).
            union: set[str] = set()
            for branch in av[1]:
                branch_needs = _needs(branch)
                if not branch_needs:
                    break
                union |= min(branch_needs, key=len)
            else:
                needs.append(frozenset(union))
        # Anything else (ANY, a category, a negated class, ASSERT_NOT, AT, GROUPREF ...) requires no character.
    return needs


def _class_chars(items) -> frozenset[str] | None:
    """Return the characters of a character class of literals and small ranges, else None."""
    chars: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            chars.add(chr(av))
        elif op is _sre.RANGE and av[1] - av[0] < _SMALL_RANGE:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:  # NEGATE, a category (\d), a wide range
            return None
    return frozenset(chars)


@dataclass
class Phrasebook:
    """Everything read from content/nlu, compiled for fast scanning."""

    phrases: dict[str, dict[str, float]] = field(default_factory=dict)  # phrase -> {intent or topic:x: weight}
    # The phrases by how they start, for the scan: two characters -> the phrases that begin with them, longest
    # first, then the first character if it is a phrase itself; a one-character phrase -> itself. A position of
    # a message looks up its two characters, else its one (before, it tried every phrase of its first character:
    # 80 begin with 不).
    by_start: dict[str, list[str]] = field(default_factory=dict)
    negators: tuple[str, ...] = ()
    ask_only: dict[str, dict[str, float]] = field(default_factory=dict)
    request_cues: tuple[str, ...] = ()
    openers: dict[str, dict[str, float]] = field(default_factory=dict)  # phrase at the very start -> bonuses
    patterns: list[RulePattern] = field(default_factory=list)  # the ways of asking, in file order
    pattern_index: PatternIndex = field(default_factory=lambda: PatternIndex([]))
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
    "model_weight": 0.5,       # the learned model's share when the two opinions are combined (bot/nlu/combining.py)
}




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


def load_content(content_dir: Path) -> Phrasebook:
    """Read intents.yaml, topics.yaml and corrections.txt from content_dir/nlu."""
    nlu = content_dir / "nlu"
    intents = _load_yaml(nlu / "intents.yaml")
    topics = _load_yaml(nlu / "topics.yaml")
    content = Phrasebook()
    content.settings = {**DEFAULT_SETTINGS, **{k: float(v) for k, v in (intents.get("settings") or {}).items()}}
    content.corrections = Corrections.from_file(nlu / "corrections.txt")
    content.negators = tuple(normalize(n, EMPTY) for n in intents.get("negators") or ())
    content.request_cues = tuple(normalize(n, EMPTY) for n in intents.get("request_cues") or ())
    content.fallback = tuple(intents.get("fallback_candidates") or content.fallback)
    content.weak_hints = tuple(
        (str(intent), _longest_first(normalize(str(w), content.corrections) for w in words))
        for intent, words in (intents.get("weak_hints") or {}).items())
    content.weak_choices = {str(k): tuple(v) for k, v in (intents.get("weak_hint_choices") or {}).items()}
    for phrase, weights in (intents.get("ask_only") or {}).items():
        content.ask_only[normalize(str(phrase), EMPTY)] = {k: float(v) for k, v in weights.items()}
    for spec in intents.get("patterns") or ():
        source = str(spec["pattern"])
        content.patterns.append(RulePattern(source, {k: float(v) for k, v in spec["weights"].items()}))
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
    by_start: dict[str, list[str]] = {}
    for phrase in content.phrases:
        by_start.setdefault(phrase[:2], []).append(phrase)
    for start, bucket in by_start.items():
        bucket.sort(key=len, reverse=True)
        if len(start) == 2 and start[0] in content.phrases:
            bucket.append(start[0])
    content.by_start = by_start
    content.pattern_index = PatternIndex(content.patterns, content.phrases)
    return content


def _longest_first(words: Iterable[str]) -> tuple[str, ...]:
    """Return the distinct non-empty words, longest first; words of one length in the order given (a set's order
    changed from run to run, and with it the weak hint a message was said to match)."""
    return tuple(sorted(dict.fromkeys(word for word in words if word), key=len, reverse=True))


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


def dictionary_words(content: Phrasebook) -> list[str]:
    """Content phrases jieba should keep whole: Chinese words, not fragments such as 的活动 or 我要投诉."""
    return [p for p in content.phrases
            if 2 <= len(p) <= 6 and not p.isascii() and p[0] not in "的了是我你他她在不也都就还很"]


def content_files(content_dir: Path) -> list[Path]:
    """Return the content/nlu files the matcher is built from (watched for edits)."""
    nlu = content_dir / "nlu"
    return [nlu / name for name in ("intents.yaml", "topics.yaml", "corrections.txt", "dictionary.txt")]


def topic_names(content: Phrasebook) -> tuple[str, ...]:
    """Return the legal topics the content defines, in file order."""
    return tuple(label[len(TOPIC_PREFIX):] for label in content.labels if label.startswith(TOPIC_PREFIX))
