"""Understanding what workers write: normalisation, tokenizing, intent and topic matching."""
