from django.urls import path

from folja.api.api import api
from folja.api.reference import reference

urlpatterns = [
    path("api/v1/docs", reference, name="api_reference"),
    path("api/v1/", api.urls),
]
