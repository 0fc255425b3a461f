"""School portfolio and document archive service."""
