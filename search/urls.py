from django.urls import path

from search import match_views, text_views

app_name = "search"
urlpatterns = [
    path("", text_views.text_search, name="text"),
    path("image/", match_views.search_by_image, name="image"),
]
