from app.extract.summary import summarize


def test_summaries_are_generated_from_fields() -> None:
    assert (
        summarize("authorization", "United States", ["ATACMS"], ["Kursk"])
        == "United States authorizes ATACMS strikes, limited to Kursk"
    )
    assert summarize("warning", "Russia", ["long-range weapons"], []) == (
        "Russia warns against long-range weapons"
    )
    assert summarize("request", "NATO", [], ["Russian territory"]) == (
        "NATO calls for lifting limits on strikes on Russian territory"
    )
    assert summarize("restriction", "Germany", ["Taurus"], []) == "Germany restricts Taurus"
    assert summarize("restriction", "France", ["SCALP", "Storm Shadow"], ["Crimea"]) == (
        "France restricts SCALP and Storm Shadow, limited to Crimea"
    )
