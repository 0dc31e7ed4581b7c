"""Forum tasks: bookmarks."""
