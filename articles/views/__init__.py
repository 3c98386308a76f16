"""Newsdesk's views, one module per area: thin functions that parse, query and render."""
