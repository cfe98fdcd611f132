"""relaytui: a terminal application for keeping a relay log around a child."""

__version__ = "0.1.0"
