"""The authentication backend: Django's ModelBackend, reading the user's roles with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import StringAgg, Value

# Group names joined with a character no one types in a name.
SEPARATOR = "\x1f"


class RolesBackend(ModelBackend):
    """Loads the session's user and their group names in one query.

    Every page asks for the user's roles (the navigation shows the admin to editors; writes
    check them), which took a second query on every request. The roles are read fresh with the
    user on each request, so a change of role applies at the next request as before.
    """

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(
            role_names=StringAgg("groups__name", delimiter=Value(SEPARATOR), default="")
        )
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        # articles.roles reads this instead of querying the groups again.
        user._newsdesk_groups = set(filter(None, user.role_names.split(SEPARATOR)))
        return user
