"""Load the demo corpus and create the demo user with a fresh random password that is printed."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Import fixtures/seeds and create (or reset) the user 'demo' as an editor."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")

    def handle(self, *args, username, **options):
        seeds = Path(settings.BASE_DIR) / "fixtures" / "seeds"
        call_command("import_articles", str(seeds), stdout=self.stdout, stderr=self.stderr)
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = True
        user.is_active = True
        user.save()
        user.groups.add(*Group.objects.filter(name__in=["editor", "analyst"]))
        self.stdout.write(
            f"\nNewsdesk is ready. Log in as '{username}' with password: {password}\n"
            "(a new password is made each time this runs)\n"
        )
