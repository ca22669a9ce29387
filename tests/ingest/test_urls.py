"""Which arguments are URLs, which we fetch, and the canonical form used to dedupe."""

import pytest

from app.ingest.urls import BadURL, canonical_url, looks_like_url


def test_tracking_parameters_and_fragment_are_removed() -> None:
    url = "https://news.example/a?utm_source=rss&id=7&fbclid=Xy&utm_medium=feed&xtor=RSS-3#top"
    assert canonical_url(url) == "https://news.example/a?id=7"


def test_other_parameters_keep_their_order_and_encoding() -> None:
    assert canonical_url("http://news.example/s?q=a%20b&page=2&sort=") == (
        "http://news.example/s?q=a%20b&page=2&sort="
    )


def test_scheme_and_host_are_lower_cased_and_default_port_dropped() -> None:
    assert canonical_url("HTTPS://News.Example:443/Path") == "https://news.example/Path"


def test_relative_link_is_resolved_against_its_base() -> None:
    assert canonical_url("../b.html", "http://127.0.0.1:8080/feeds/fr/rss.xml") == (
        "http://127.0.0.1:8080/feeds/b.html"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://news.example/a", "unsupported URL scheme 'ftp': only http and https"),
        ("file:///etc/passwd", "unsupported URL scheme 'file': only http and https"),
        ("javascript:alert(1)", "unsupported URL scheme 'javascript': only http and https"),
        ("http:///a", "URL has no host"),
        ("http://news.example:99999/", "malformed URL: Port out of range 0-65535"),
        ("http://user:secret@news.example/", "URL carries a user name or password: refused"),
    ],
)
def test_urls_we_do_not_fetch(url: str, reason: str) -> None:
    with pytest.raises(BadURL) as error:
        canonical_url(url)
    assert str(error.value) == reason


@pytest.mark.parametrize(
    ("argument", "is_url"),
    [
        ("https://news.example/a", True),
        ("ftp://news.example/a", True),
        ("seeds/article.md", False),
        ("C:\\articles\\a.html", False),
        ("notes:draft.md", False),
    ],
)
def test_looks_like_url(argument: str, is_url: bool) -> None:
    assert looks_like_url(argument) is is_url
