"""RFC 9110's reason phrases, for every status line swiftq sends.

Werkzeug writes its own, upper-case, phrases (``201 CREATED``, ``204 NO
CONTENT``); Zaqar (falcon) and nearly every HTTP server send RFC 9110's
(``201 Created``), and tools that compare status lines as strings would
see every answer differ. ``http.HTTPStatus`` has RFC 9110's phrases but
for the four that RFC 9110 renamed (Python 3.13 has the new names).
"""

import http

#: RFC 9110 (section 15) names that Python 3.11's http.HTTPStatus still
#: gives their RFC 7231 or RFC 4918 names.
_RENAMED_BY_RFC_9110 = {
    413: 'Content Too Large',
    414: 'URI Too Long',
    416: 'Range Not Satisfiable',
    422: 'Unprocessable Content',
}

#: Status code -> reason phrase.
PHRASES = {status.value: status.phrase for status in http.HTTPStatus}
PHRASES.update(_RENAMED_BY_RFC_9110)


def rfc_status(status):
    """The WSGI status string ``status`` (``'201 CREATED'``) with RFC
    9110's reason phrase (``'201 Created'``); unchanged if its code has
    none."""
    code = status.split(' ', 1)[0]
    phrase = PHRASES.get(int(code)) if code.isdigit() else None
    if phrase is None:
        return status
    return '%s %s' % (code, phrase)
