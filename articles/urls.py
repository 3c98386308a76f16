"""URLs of the Newsdesk app; names start with `articles-`."""

from django.urls import path

from .views import health, reading

urlpatterns = [
    path("", reading.article_list, name="articles-list"),
    path("articles/<int:pk>/", reading.article_reader, name="articles-reader"),
    path("articles/<int:pk>/raw/", reading.article_raw, name="articles-raw"),
    path("healthz", health.healthz, name="articles-healthz"),
]
