"""Widgets and messages that several screens share."""
