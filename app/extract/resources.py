"""Loading the data files (gazetteer and lexicons) once per process."""

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(relative: str) -> Any:
    """Parsed YAML of app/data/<relative>, cached: rules are data, read once."""
    text = resources.files("app").joinpath("data", relative).read_text("utf-8")
    return yaml.safe_load(text)
