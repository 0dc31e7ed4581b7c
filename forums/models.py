# Models arrive with the forums issue.
