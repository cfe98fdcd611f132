"""The family view (issue 15): guardians, and in Norway the young person and the pregnant
person, read their relay log in the browser after logging in with the national login.

A small server-rendered Starlette application served by ``relaytui serve`` on a port of its
own, apart from the staff's site: no JavaScript, readable on a phone, in Danish, bokmål,
nynorsk or English. It calls :mod:`relaytui.services.family`, which decides what the person
may read and records every page view.
"""
