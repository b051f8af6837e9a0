"""Drives the server with Python's imaplib and prints every (command, status, data) as JSON.

usage: imaplib-client.py PORT USER PASSWORD APPEND_FILE
"""
import imaplib
import json
import sys
import time

port, user, password, append_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def plain(x):
    if isinstance(x, bytes):
        return x.decode('utf-8', 'replace')
    if isinstance(x, (list, tuple)):
        return [plain(i) for i in x]
    return x


out = []


def rec(name, res):
    typ, data = res
    out.append({'cmd': name, 'typ': typ, 'data': plain(data)})
    return typ, data


M = imaplib.IMAP4('127.0.0.1', port, timeout=15)
out.append({'cmd': 'GREETING', 'typ': 'OK', 'data': [plain(M.welcome)]})
rec('CAPABILITY', M.capability())
rec('LOGIN', M.login(user, password))
out.append({'cmd': 'CAPS', 'typ': 'OK', 'data': list(M.capabilities)})
rec('LIST', M.list())
rec('SELECT', M.select('INBOX'))
rec('FETCH_RFC822', M.fetch('1', '(RFC822)'))
rec('FETCH_BODYSTRUCTURE', M.fetch('2', '(BODYSTRUCTURE)'))
rec('FETCH_ENVELOPE', M.fetch('1', '(ENVELOPE)'))
rec('FETCH_SUBJECTS', M.fetch('1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
rec('FETCH_FLAGS_AFTER_PEEK', M.fetch('2', '(FLAGS)'))
rec('UID_SEARCH_ALL', M.uid('SEARCH', None, 'ALL'))
rec('UID_SEARCH_SUBJECT', M.uid('SEARCH', None, 'SUBJECT', '"second"'))
rec('STORE', M.store('2', '+FLAGS', '(\\Flagged \\Seen)'))
rec('UID_SEARCH_FLAGGED', M.uid('SEARCH', None, 'FLAGGED'))
with open(append_file, 'rb') as f:
    raw = f.read()
date = imaplib.Time2Internaldate(time.mktime((2024, 2, 29, 12, 30, 0, 0, 0, -1)))
rec('APPEND', M.append('INBOX', '(\\Seen $Label1)', date, raw))
rec('NOOP', M.noop())
rec('FETCH_APPENDED', M.fetch('3', '(UID FLAGS INTERNALDATE RFC822.SIZE)'))
rec('CREATE', M.create('Archive/2024'))
rec('COPY', M.copy('1:2', 'Archive/2024'))
rec('STATUS', M.status('Archive/2024', '(MESSAGES UIDNEXT)'))
rec('STORE_DELETED', M.store('1', '+FLAGS', '\\Deleted'))
rec('EXPUNGE', M.expunge())
rec('UID_SEARCH_AFTER', M.uid('SEARCH', None, 'ALL'))
rec('CLOSE', M.close())
rec('LOGOUT', M.logout())
print(json.dumps(out))
