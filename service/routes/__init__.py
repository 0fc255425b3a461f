"""Thin Litestar controllers: parse, call one domain method, return a schema."""
