from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<slug:key>.csv", views.export, name="export"),
    path("watch/", views.watch_page, name="watch"),
    path("watch/<int:pk>/", views.watch_toggle, name="watch-toggle"),
    path("watch/alerts/<int:pk>/image/", views.alert_image, name="alert-image"),
    path("batch-review/", views.batch_review, name="batch-review"),
    path("repeat-respondents/", views.repeat_respondents, name="repeat-respondents"),
]
