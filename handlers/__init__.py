"""The chat's capabilities: one module each, plain functions `handle(turn) -> Reply`.

Which function answers which intent, numbered choice, text pattern or event is listed by
reference in bot/wiring.py.
"""
