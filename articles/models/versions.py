"""How many times a kind of data has changed: cached results built from it are keyed by this."""

from django.db import models


class DataVersion(models.Model):
    """A number that database triggers move on with every change of the data it names.

    Written only by triggers (see articles.caching), in the transaction of the change itself,
    so a new number is visible exactly when the change is. It starts at a random value, so a
    table that was emptied and refilled (a test database flush) never repeats old numbers.
    """

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField()

    def __str__(self):
        return f"{self.name} {self.version}"
