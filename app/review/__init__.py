"""The review desk: editors confirm, correct and reject events; their decisions are
audited and survive every re-extraction (README, "Review desk")."""
