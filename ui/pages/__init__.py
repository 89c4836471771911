"""One page per workflow step (identify → documents → declarations → review → register → issue)."""
