"""App configuration that swaps in Newsdesk's admin site."""

from django.contrib.admin.apps import AdminConfig


class NewsdeskAdminConfig(AdminConfig):
    default_site = "newsdesk.admin.NewsdeskAdminSite"
