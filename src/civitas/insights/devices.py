"""The class of device a page was asked for from, read from its User-Agent header: all
the figures keep of it. Pure.

Three classes and a fallback need only the tokens browsers send for exactly this
purpose ("Mobi" for a phone, as MDN advises; iPad, Android without Mobile, and the
tablet words some send, for a tablet). A full user-agent database would name models
nobody here reports on, and cost far more per page (decision 0057).
"""

import re

DEVICE_CLASSES: tuple[str, ...] = ("desktop", "mobile", "tablet", "other")

_ROBOT = re.compile(r"bot\b|crawl|spider|slurp|curl/|wget/|python-|httpclient|java/", re.I)
_TABLET = re.compile(r"ipad|tablet|kindle|silk/|playbook|\bsm-t\d", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|windows phone|blackberry|opera mini", re.I)
_ANDROID = re.compile(r"android", re.I)
_DESKTOP = re.compile(r"windows nt|macintosh|x11|cros|linux x86_64", re.I)


def device_class(user_agent: str) -> str:
    """`desktop`, `mobile`, `tablet`, or `other` (robots, tools, an empty or unknown
    header)."""
    if not user_agent or _ROBOT.search(user_agent):
        return "other"
    if _TABLET.search(user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    if _ANDROID.search(user_agent):
        # Android without "Mobile" is a tablet, by Google's own guidance to browsers.
        return "tablet"
    if _DESKTOP.search(user_agent):
        return "desktop"
    return "other"
