from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsdesk corpus"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .caching import ensure_triggers_after_migrate
        from .queue_tally import install_after_migrate
        from .search import ensure_index_after_migrate

        # SQLite drops the search and version triggers whenever a migration remakes the
        # articles table.
        post_migrate.connect(ensure_index_after_migrate, sender=self)
        post_migrate.connect(ensure_triggers_after_migrate, sender=self)
        # The same for the review queue's tally; a flush (tests) empties tables under it too.
        post_migrate.connect(install_after_migrate, sender=self)
