"""The JSON API under /api/v1/ (included from ipcenter/urls.py)."""

from django.urls import path

from search import match_views, text_views

app_name = "api"
urlpatterns = [
    path("designs/", text_views.designs_api, name="designs"),
    path("match/", match_views.match_api, name="match"),
]
