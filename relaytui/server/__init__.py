"""``relaytui serve``: one server that owns the store and gives each member of staff the app.

Staff reach the same Textual app over SSH (:mod:`.ssh`) or in the browser (:mod:`.web`); each
session runs in a process of its own (:mod:`.session`), so a crash ends one session, never
the server. The server alone holds the database's URL and password; a workstation needs
nothing but ``ssh`` or a browser, and the access rules in the services are the only way in.
:mod:`.sessions` counts the sessions, refuses one too many and ends them all on SIGTERM.
"""
