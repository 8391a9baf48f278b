"""Business rules, one place per rule."""
