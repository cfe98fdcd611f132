"""One module per screen; the app imports them when it first shows them.

The base class every screen shares (translated key descriptions, worker failures) lives in
:mod:`relaytui.app` as :class:`relaytui.app.RelayScreen`.
"""
