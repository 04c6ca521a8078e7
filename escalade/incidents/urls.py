from django.urls import path

from escalade.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("sla-alerts/", views.sla_alerts, name="sla_alerts"),
    path("<int:pk>/", views.detail, name="detail"),
]
