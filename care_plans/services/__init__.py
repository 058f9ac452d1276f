"""Use-cases that change data. Each takes the `Database`, the acting user and plain values,
runs in one unit of work, checks access, writes an audit event and returns plain data."""
