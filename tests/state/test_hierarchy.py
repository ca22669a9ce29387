"""The scope tree and weapon columns read from app/data/state/*.yaml."""

import pytest

from app.state.hierarchy import scope_tree, scope_tree_from, weapon_columns


def test_border_areas_are_inside_russian_territory() -> None:
    tree = scope_tree()
    assert tree.lineage("kursk") == ("kursk", "russian-territory")
    assert tree.lineage("kharkiv") == ("kharkiv", "russian-territory")
    assert tree.lineage("belgorod") == ("belgorod", "russian-territory")
    assert tree.depth("kursk") == 1


def test_crimea_is_a_scope_of_its_own() -> None:
    assert scope_tree().lineage("crimea") == ("crimea",)


def test_a_place_missing_from_the_data_is_a_root() -> None:
    assert scope_tree().lineage("sevastopol") == ("sevastopol",)
    assert scope_tree().depth("sevastopol") == 0


def test_a_decision_without_place_has_its_own_scope() -> None:
    tree = scope_tree()
    assert (tree.unstated, tree.unstated_name) == ("place-not-stated", "Place not stated")
    assert tree.lineage(tree.unstated) == ("place-not-stated",)


def test_weapon_lineage_goes_from_the_system_to_its_class_to_all_weapons() -> None:
    columns = weapon_columns()
    assert columns.lineage("atacms") == (
        ("atacms", 2),
        ("long-range-weapons", 1),
        ("all-supplied-weapons", 0),
    )
    assert columns.lineage("himars") == (("himars", 2), ("all-supplied-weapons", 0))
    assert columns.lineage("long-range-weapons") == (
        ("long-range-weapons", 1),
        ("all-supplied-weapons", 0),
    )
    assert columns.lineage("all-supplied-weapons") == (("all-supplied-weapons", 0),)


def test_recipient_and_target_are_not_suppliers() -> None:
    assert weapon_columns().not_suppliers == frozenset({"ukraine", "russia"})


def test_a_scope_listed_twice_is_refused() -> None:
    data = {
        "scopes": [{"id": "crimea", "children": [{"id": "crimea"}]}],
        "unstated": {"id": "none", "name": "None"},
    }
    with pytest.raises(ValueError, match="scope 'crimea' appears twice"):
        scope_tree_from(data)
