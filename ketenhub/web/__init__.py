"""The hub on the web: one server (FastAPI) for the partners' HTTP API and the pages, on both backends."""
