from django.contrib import admin
from django.urls import include, path

from designs import views as design_views

urlpatterns = [
    path("", design_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("designs/", include("designs.urls")),
]
