from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<slug:key>.csv", views.export, name="export"),
    path("batch-review/", views.batch_review, name="batch-review"),
    path("repeat-respondents/", views.repeat_respondents, name="repeat-respondents"),
]
