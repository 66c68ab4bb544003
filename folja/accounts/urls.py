from django.urls import path

from folja.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("dev/personas/", views.demo_login, name="demo_login"),
]
