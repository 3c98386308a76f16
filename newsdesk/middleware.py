"""Project-wide middleware."""

from django.contrib.auth import logout


class ActiveUserMiddleware:
    """End the session of a user who has been deactivated since logging in.

    Django's ModelBackend already refuses inactive users on the next request for the session
    auth hash, but being explicit keeps the promise visible and tested.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_active:
            logout(request)
        return self.get_response(request)
