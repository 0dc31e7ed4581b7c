"""Forum reads, one module per page family. Import from the module that owns a selector."""
