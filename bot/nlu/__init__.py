"""Understanding what workers write: normalisation, tokenizing, intent and topic matching."""
from bot.nlu.matcher import INTENTS, LEGAL_INTENTS, IntentMatcher, Match, check_content
from bot.nlu.normalize import normalize

__all__ = ["INTENTS", "LEGAL_INTENTS", "IntentMatcher", "Match", "check_content", "normalize"]
