from django.urls import path

from escalade.contactcenter import views

app_name = "contactcenter"

urlpatterns = [
    path("state/", views.agent_state, name="state"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("staffing/", views.staffing_page, name="staffing"),
]
