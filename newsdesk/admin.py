"""The admin site: the corpus managers' tool, open to editors only."""

from django.contrib.admin import AdminSite

from articles.roles import can_edit_corpus


class NewsdeskAdminSite(AdminSite):
    site_header = "Newsdesk corpus management"
    site_title = "Newsdesk admin"
    index_title = "Corpus"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_staff and can_edit_corpus(user)
