"""Security boundaries between the assistant's processes (the action server's shared secret)."""
