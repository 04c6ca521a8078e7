from django.urls import path

from escalade.desk import views

app_name = "desk"

urlpatterns = [
    path("<int:pk>/", views.customer_file, name="file"),
]
