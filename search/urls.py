from django.urls import path

from search import text_views

app_name = "search"
urlpatterns = [
    path("", text_views.text_search, name="text"),
]
