"""The KPIs, one module per business concern; each registers its calculators with
metrics.catalogue.kpi when imported (MetricsConfig.ready imports them all)."""

KPI_MODULES = (
    "metrics.kpis.growth",
    "metrics.kpis.depth",
    "metrics.kpis.conversation",
    "metrics.kpis.support",
    "metrics.kpis.participation",
    "metrics.kpis.moderation",
    "metrics.kpis.search",
)
