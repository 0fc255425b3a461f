"""Plain async jobs with explicit inputs; each is idempotent and safe to rerun."""
