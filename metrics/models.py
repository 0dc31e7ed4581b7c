# Models arrive with the metrics issue.
