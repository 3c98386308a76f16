"""Who may do what: the three roles are Django groups, checked on the server for every write."""

from django.core.exceptions import PermissionDenied

VIEWER, ANALYST, EDITOR = "viewer", "analyst", "editor"
ROLES = (VIEWER, ANALYST, EDITOR)


def _groups(user) -> set[str]:
    # Cached on the user object: templates and views ask several times per request.
    if not hasattr(user, "_newsdesk_groups"):
        user._newsdesk_groups = (
            set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        )
    return user._newsdesk_groups


def can_annotate(user) -> bool:
    """Analysts and editors label quotes, mark quotes and write claims."""
    return user.is_active and (user.is_superuser or bool(_groups(user) & {ANALYST, EDITOR}))


def can_edit_corpus(user) -> bool:
    """Editors run the corpus: the admin, adjudication, stories."""
    return user.is_active and (user.is_superuser or EDITOR in _groups(user))


def require_annotator(user):
    if not can_annotate(user):
        raise PermissionDenied("Only analysts and editors can change annotations.")


def require_editor(user):
    if not can_edit_corpus(user):
        raise PermissionDenied("Only editors can do this.")
