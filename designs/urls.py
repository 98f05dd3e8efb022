from django.urls import path

from designs import views

app_name = "designs"
urlpatterns = [
    path("", views.design_list, name="list"),
    path("<int:pk>/", views.design_detail, name="detail"),
    path("<int:pk>/certificate/", views.certificate, name="certificate"),
    path("images/<int:pk>/", views.image, name="image"),
    path("mine/", views.my_designs, name="mine"),
    path("new/", views.new_design, name="new"),
    path("batch/", views.batch_upload, name="batch"),
    path("<int:pk>/edit/", views.edit_design, name="edit"),
    path("<int:pk>/submit/", views.submit_design, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw_design, name="withdraw"),
    path("review/", views.review_queue, name="review-queue"),
    path("<int:pk>/approve/", views.approve_design, name="approve"),
    path("<int:pk>/return/", views.return_design, name="return"),
    path("<int:pk>/reject/", views.reject_design, name="reject"),
    path("<int:pk>/revoke/", views.revoke_design, name="revoke"),
]
