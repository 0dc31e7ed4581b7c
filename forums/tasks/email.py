"""Forum tasks: email."""
