from django.urls import path

from security import views

app_name = "security"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.two_factor, name="two-factor"),
]
