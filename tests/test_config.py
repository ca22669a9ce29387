import pytest
from pydantic import ValidationError

from app.config import Settings


def test_base_url_is_an_origin_without_a_trailing_slash() -> None:
    assert Settings(base_url=" https://timeline.example.org/ ").base_url == (
        "https://timeline.example.org"
    )
    assert Settings().base_url == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("timeline.example.org", "BASE_URL must start with http:// or https://"),
        ("https://example.org/timeline", "the site cannot be served under a path"),
    ],
)
def test_base_url_refuses_what_links_cannot_be_built_from(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(base_url=value)
