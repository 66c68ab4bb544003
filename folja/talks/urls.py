from django.urls import path

from folja.talks import pupil_views, views

app_name = "talks"
urlpatterns = [
    path("talks/", views.overview, name="overview"),
    path("talks/plan/", views.plan, name="plan"),
    path("talks/slots/", views.slots, name="slots"),
    path("talks/slots/<uuid:slot_uuid>/withdraw/", views.slot_withdraw, name="slot_withdraw"),
    path("talks/mine/", pupil_views.pupil_talks, name="pupil_talks"),
    path("talks/children/<uuid:child_uuid>/", views.child_talks, name="child_talks"),
    path("talks/<uuid:talk_uuid>/", views.talk_detail, name="talk"),
    path("talks/<uuid:talk_uuid>/calendar.ics", views.talk_calendar, name="calendar"),
    path("talks/<uuid:talk_uuid>/preparation/", views.guardian_preparation, name="guardian_preparation"),
    path("talks/<uuid:talk_uuid>/my-preparation/", pupil_views.pupil_preparation, name="pupil_preparation"),
    path("talks/<uuid:talk_uuid>/staff-preparation/", views.staff_preparation, name="staff_preparation"),
    path("talks/<uuid:talk_uuid>/staff-preparation/share/", views.share_preparation, name="share_preparation"),
    path("talks/<uuid:talk_uuid>/record/", views.record, name="record"),
    path("talks/<uuid:talk_uuid>/held/", views.mark_held, name="mark_held"),
    path("talks/<uuid:talk_uuid>/record/share/", views.share_record, name="share_record"),
    path("talks/<uuid:talk_uuid>/record/read/", views.confirm_read, name="confirm_read"),
    path("talks/<uuid:talk_uuid>/agreements/", views.agreement_create, name="agreement_create"),
    path("talks/agreements/<uuid:agreement_uuid>/follow-up/", views.agreement_follow_up, name="agreement_follow_up"),
    path("talks/<uuid:talk_uuid>/book/", views.book, name="book"),
    path("talks/<uuid:talk_uuid>/booking/cancel/", views.cancel_booking, name="cancel_booking"),
]
