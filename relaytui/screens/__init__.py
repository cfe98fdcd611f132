"""One module per screen; the app imports them when it first shows them.

The base class every screen shares (translated key descriptions, worker failures, the typed
store and person signed in) lives in :mod:`relaytui.ui.base` as
:class:`relaytui.ui.base.RelayScreen`; no screen imports :mod:`relaytui.app`.
"""
