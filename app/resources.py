"""Loading the data files (gazetteer, lexicons, boilerplate rules) once per process."""

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

try:  # libyaml's parser reads the gazetteer about 7x faster than the pure-Python one
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # a PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class DataLoader(_SafeLoader):
    """Safe YAML where only true/false are booleans: word lists hold "no", "on", "yes"
    and "off" as words, which YAML 1.1 would silently turn into booleans."""


DataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@cache
def load(relative: str) -> Any:
    """Parsed YAML of app/data/<relative>, cached: rules are data, read once."""
    text = resources.files("app").joinpath("data", relative).read_text("utf-8")
    return yaml.load(text, Loader=DataLoader)
