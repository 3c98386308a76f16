"""Template context shared by every page."""

from .roles import can_annotate, can_edit_corpus


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_annotate": False, "can_edit_corpus": False}
    return {"can_annotate": can_annotate(user), "can_edit_corpus": can_edit_corpus(user)}
