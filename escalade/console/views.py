"""The console shell: sign-in, home and language."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from escalade.core.principal import principal_for


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    if principal is None:
        return render(request, "console/no_role.html", status=403)
    return redirect("customers:search")
