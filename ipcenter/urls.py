from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from designs import views as design_views

urlpatterns = [
    path("", design_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Admin logs in through our form: lockout and the two-factor step apply there too.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("accounts/2fa/", include("security.urls")),
    path("accounts/", include("accounts.urls")),
    path("designs/", include("designs.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("cases/", include("cases.urls")),
    path("search/", include("search.urls")),
    path("api/v1/", include("search.api_urls")),
]
