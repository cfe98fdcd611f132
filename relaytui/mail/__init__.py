"""E-mail notices leave here: each queued notice (:mod:`relaytui.services.notices`) is written
in its recipient's language (:mod:`relaytui.mail.compose`) and sent over SMTP with STARTTLS
(:mod:`relaytui.mail.delivery`). Plain Python: the server runs it (relaytui.server.mailing).

A mail says what happened, with the log's number and a link, and nothing about the child: no
name, no national number, no entry, no concern.
"""
