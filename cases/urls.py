from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("new/", views.new_complaint, name="new"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk_action, name="bulk"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.read_all, name="read-all"),
    path("inbox/<int:pk>/read/", views.read_notification, name="read"),
    path("join/<str:token>/", views.join, name="join"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit_complaint, name="edit"),
    path("<int:pk>/submit/", views.submit_complaint, name="submit"),
    path("<int:pk>/add-evidence/", views.add_evidence, name="add-evidence"),
    path("<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path(
        "<int:pk>/request-supplement/",
        views.request_supplement,
        name="request-supplement",
    ),
    path("<int:pk>/refuse/", views.refuse, name="refuse"),
    path("<int:pk>/start-comparison/", views.start_comparison, name="start-comparison"),
    path("<int:pk>/determine/", views.determine, name="determine"),
    path("<int:pk>/link-respondent/", views.link_respondent, name="link-respondent"),
    path(
        "<int:pk>/invite-respondent/", views.invite_respondent, name="invite-respondent"
    ),
    path(
        "<int:pk>/notify-respondent/", views.notify_respondent, name="notify-respondent"
    ),
    path("<int:pk>/statement/", views.statement, name="statement"),
    path("<int:pk>/record-statement/", views.record_statement, name="record-statement"),
    path("<int:pk>/sessions/", views.add_session, name="add-session"),
    path("<int:pk>/agreement/", views.save_agreement, name="save-agreement"),
    path(
        "<int:pk>/agreement/confirm/", views.confirm_agreement, name="confirm-agreement"
    ),
    path("<int:pk>/agreement/print/", views.agreement_print, name="agreement-print"),
    path(
        "<int:pk>/terms/<int:term_pk>/performed/",
        views.record_performance,
        name="record-performance",
    ),
    path("<int:pk>/fail-mediation/", views.fail_mediation, name="fail-mediation"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/deadline/", views.extend_deadline, name="extend-deadline"),
]
