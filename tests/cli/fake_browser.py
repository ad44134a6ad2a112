#!/usr/bin/env python3
"""A stand-in for the user's browser in the `msal login` tests, run as `$BROWSER <url>`.

It does what a browser does with Entra's sign-in page once the user is done: it fetches the
authorize URL, then either follows the 302 to the loopback redirect URI (response_mode=query)
or parses the self-submitting form_post page and POSTs its hidden fields to the form's action.

It only ever talks plain HTTP to 127.0.0.1 or localhost; any other URL is refused. It never
uses a proxy (http.client ignores *_proxy variables). Every network call has a timeout and the
number of redirects followed is bounded, so it always ends on its own.

Controlled by environment variables (inherited from `msal`, which the tests start):
  MSAL_TEST_BROWSER_MODE
      complete        (default) sign in and deliver the answer to the loopback listener
      forged-first    first send a favicon request and the answer with a forged `state` to the
                      loopback listener, then the real answer
      forged-only     send only the answer with a forged `state`
      authorize-only  fetch the authorize URL but never go back to the loopback listener
      ignore          do nothing (a browser that never shows up)
  MSAL_TEST_BROWSER_LOG
      a file to append one JSON object per step to (never a code or a token), ending with
      {"step": "exit"}

`webbrowser` starts it in the background with stdin, stdout and stderr on /dev/null, so the
log file is the only way it reports what happened.
"""

import html.parser
import http.client
import json
import os
import sys
import urllib.parse

TIMEOUT_SECONDS = 10
MAX_REDIRECTS = 5
ALLOWED_HOSTS = ("127.0.0.1", "localhost")


def log(**entry):
    path = os.environ.get("MSAL_TEST_BROWSER_LOG")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
    except OSError:
        pass  # the test may already have removed its directory


class Refused(Exception):
    pass


def request(method, url, body=None):
    """One HTTP request to a loopback host; returns (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
        raise Refused("refusing to leave the loopback interface: %s://%s" % (parts.scheme, parts.hostname))
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT_SECONDS)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    headers = {"User-Agent": "msal-test-browser/1", "Accept": "text/html"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


class FormParser(html.parser.HTMLParser):
    """The first <form>: its method, action and input fields."""

    def __init__(self):
        super().__init__()
        self.form = None
        self.done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form is None:
            self.form = {"method": (attrs.get("method") or "get").upper(), "action": attrs.get("action"), "fields": []}
        elif tag == "input" and self.form is not None and not self.done and attrs.get("name"):
            self.form["fields"].append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.done = True


def page_text(data):
    """The visible text of a small page, for the log."""
    text = data.decode("utf-8", "replace")
    start, end = text.find("<p"), text.find("</p>")
    if start >= 0 and end > start:
        text = text[text.find(">", start) + 1:end]
    return " ".join(text.split())[:200]


def forge(fields):
    return [(k, "forged-" + v if k == "state" else v) for k, v in fields]


def deliver(method, action, fields, label):
    """Send the sign-in answer to the loopback listener the way the page asked for."""
    if method == "POST":
        status, _, data = request("POST", action, urllib.parse.urlencode(fields))
    else:
        parts = urllib.parse.urlsplit(action)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urllib.parse.urlencode(fields), ""))
        status, _, data = request("GET", url)
    log(step="deliver", label=label, method=method, status=status, page=page_text(data),
        fields=sorted(k for k, _ in fields))
    return status


def run(url, mode):
    if mode == "ignore":
        log(step="ignored")
        return
    # The authorization server: follow redirects among its own pages until it sends the
    # browser to another origin (the loopback redirect URI) or shows a page.
    origin = urllib.parse.urlsplit(url)[:2]
    for _ in range(MAX_REDIRECTS):
        status, headers, data = request("GET", url)
        location = headers.get("location")
        log(step="authorize", status=status, redirect=bool(location))
        if status in (301, 302, 303, 307, 308) and location:
            target = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(target)[:2] == origin:
                url = target
                continue
            parts = urllib.parse.urlsplit(target)
            method, action = "GET", urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
            fields = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            break
        if status == 200:
            parser = FormParser()
            parser.feed(data.decode("utf-8", "replace"))
            if parser.form is None or not parser.form["action"]:
                log(step="no-form", page=page_text(data))
                return
            method, action, fields = parser.form["method"], parser.form["action"], parser.form["fields"]
            break
        log(step="error-page", status=status, page=page_text(data))
        return
    else:
        log(step="too-many-redirects")
        return

    log(step="answer", method=method, fields=sorted(k for k, _ in fields))
    if mode == "authorize-only":
        return
    if mode in ("forged-first", "forged-only"):
        parts = urllib.parse.urlsplit(action)
        favicon = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/favicon.ico", "", ""))
        status, _, _ = request("GET", favicon)
        log(step="favicon", status=status)
        deliver(method, action, forge(fields), "forged")
        if mode == "forged-only":
            return
    deliver(method, action, fields, "real")


def main():
    if len(sys.argv) < 2:
        log(step="no-url")
        return 2
    mode = os.environ.get("MSAL_TEST_BROWSER_MODE", "complete")
    try:
        run(sys.argv[-1], mode)
        return 0
    except (Refused, OSError, http.client.HTTPException, ValueError) as e:
        log(step="failed", error="%s: %s" % (type(e).__name__, e))
        return 1
    finally:
        log(step="exit")


if __name__ == "__main__":
    sys.exit(main())
