"""Community submissions: read, convert, validate, file (intake) and report."""
