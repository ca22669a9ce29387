"""Reading article files and storing them with their events (DESIGN.md: read, store)."""
