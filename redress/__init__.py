"""Redress: the complaint and petition desk of a bank."""
