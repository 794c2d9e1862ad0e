"""The dossier for people: the HTML report (``akkoord report``) and the same pages live
(``akkoord serve``), made from one set of Jinja2 templates.

Jinja2, Starlette and uvicorn are imported by these modules only, and these modules only by the
two commands, so no other command pays for them.
"""
