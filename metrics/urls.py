from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("kpi/<str:key>.csv", views.kpi_csv, name="kpi-csv"),
    path("kpi/<str:key>/", views.kpi_detail, name="kpi-detail"),
    path("api/kpis", views.api_kpis, name="api-kpis"),
]
