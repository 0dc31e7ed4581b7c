# No models yet: the KPI snapshots and targets will be stored here.
