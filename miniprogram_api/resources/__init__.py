"""Thin handlers, one module per resource: check, call the domain service, return the response shape."""
