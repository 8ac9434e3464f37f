from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("iop.api_urls")),
    path("", include("iop.page_urls")),
]

# A plain apology with a reference to quote, never a trace.
handler500 = "iop.views.server_error"
