"""URL map: the console pages, the REST API under /api/, the Django admin."""

from django.contrib import admin
from django.urls import include, path

from escalade.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("escalade.customers.urls")),
    path("customers/", include("escalade.desk.urls")),
    path("incidents/", include("escalade.incidents.urls")),
    path("acd/", include("escalade.contactcenter.urls")),
    path("", include("escalade.console.urls")),
]
