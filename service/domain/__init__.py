"""Business rules: ingest, portfolio assembly, and the pieces they share."""
