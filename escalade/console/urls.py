from django.contrib.auth import views as auth_views
from django.urls import path

from escalade.console import calls, traffic, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("calls/<int:pk>/", calls.call_panel, name="call"),
    path("calls/<int:pk>/transfer/", calls.transfer, name="call_transfer"),
    path(
        "calls/<int:pk>/transfer/complete/",
        calls.complete_transfer,
        name="call_transfer_complete",
    ),
    path("calls/<int:pk>/transfer/cancel/", calls.cancel_transfer, name="call_transfer_cancel"),
    path("simulator/", traffic.traffic_page, name="traffic"),
    path("simulator/stop/", traffic.stop_traffic, name="traffic_stop"),
]
