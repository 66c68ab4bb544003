from django.urls import path

from folja.pages.curriculum import views

app_name = "curriculum"
urlpatterns = [
    path("curricula/", views.curriculum_list, name="curriculum_list"),
    path("curricula/<uuid:curriculum_uuid>/", views.curriculum_detail, name="curriculum_detail"),
    path("coverage/", views.coverage_home, name="coverage_home"),
    path("coverage/groups/<uuid:group_uuid>/", views.group_coverage, name="group_coverage"),
    path("coverage/groups/<uuid:group_uuid>/attention/", views.group_attention, name="group_attention"),
    path("coverage/children/<uuid:child_uuid>/", views.child_coverage, name="child_coverage"),
    path("coverage/units/<uuid:unit_uuid>/", views.unit_coverage, name="unit_coverage"),
    path("coverage/units/<uuid:unit_uuid>/settings/", views.unit_settings, name="unit_settings"),
]
