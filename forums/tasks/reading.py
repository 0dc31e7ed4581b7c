"""Forum tasks: reading."""
