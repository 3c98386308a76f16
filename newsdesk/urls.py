"""Root URLs: the app, accounts and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]

# A database that is not answering gets a 503 with a message instead of a bare 500 (or the 400
# Django gives when the session cannot be saved).
handler400 = "newsdesk.errors.bad_request"
handler500 = "newsdesk.errors.server_error"
