"""The web app: HTML pages, JSON API and exports over one query module."""
