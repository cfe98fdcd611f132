"""The rules of DESIGN.md, access control and the audit trail: plain Python, no Textual.

Every public function takes the store and the acting staff member (``by``) first, checks what
that person may do, writes the audit trail, and returns plain dataclasses, never ORM objects.
"""
