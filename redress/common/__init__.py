"""Helpers every part of Redress may use: the field-error type and its messages, and the rules for phone
numbers, ID numbers and amounts. Nothing here knows about cases or units, so any app may import it."""
