"""Domain services: the rules. Each takes the session first, never commits and never reads the request."""
