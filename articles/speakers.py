"""Matching the speakers an article names to the corpus's speakers, and merging speakers."""

from django.db import transaction

from .models import Quote, Speaker, SpeakerAlias
from .text.speakers import name_key


def identifying(name: str) -> bool:
    """Whether a name is specific enough to match across articles ("Sergei Lavrov", not "he")."""
    return len(name.split()) >= 2 or name[:1].isupper()


class SpeakerDirectory:
    """Finds or creates the Speaker for each name an article uses, caching keys in memory."""

    def __init__(self):
        self._by_key: dict[str, int] = {}

    def _lookup(self, key: str) -> int | None:
        if key not in self._by_key:
            alias = (
                SpeakerAlias.objects.filter(key=key, matches=True)
                .order_by("speaker_id")
                .values_list("speaker_id", flat=True)
                .first()
            )
            if alias is None:
                return None
            self._by_key[key] = alias
        return self._by_key[key]

    def resolve(self, mentions) -> dict[str, Speaker]:
        """Map each mention's canonical name to a Speaker, creating speakers and aliases as needed."""
        found: dict[str, Speaker] = {}
        for mention in mentions:
            key = name_key(mention.name)
            speaker_id = self._lookup(key) if key else None
            if speaker_id is None:
                speaker = Speaker.objects.create(name=mention.name[:300], role=mention.role[:300])
                self._by_key[key] = speaker.pk
                known = set()
            else:
                speaker = Speaker(pk=speaker_id, name=mention.name)
                known = set(
                    SpeakerAlias.objects.filter(speaker_id=speaker_id).values_list(
                        "name", flat=True
                    )
                )
            new_aliases = []
            for alias in (mention.name, *mention.aliases):
                alias = alias[:300]
                if alias and alias not in known:
                    known.add(alias)
                    # Only the canonical full name matches across articles.
                    new_aliases.append(
                        SpeakerAlias(
                            speaker_id=speaker.pk,
                            name=alias,
                            key=name_key(alias),
                            matches=alias == mention.name and identifying(alias),
                        )
                    )
            SpeakerAlias.objects.bulk_create(new_aliases, ignore_conflicts=True)
            found[mention.name] = speaker
        return found


@transaction.atomic
def merge_speakers(keep: Speaker, others) -> int:
    """Move the quotes and aliases of `others` onto `keep`, then delete them. Returns quotes moved."""
    ids = [s.pk for s in others if s.pk != keep.pk]
    moved = Quote.objects.filter(speaker_id__in=ids).update(speaker=keep)
    existing = set(keep.aliases.values_list("name", flat=True))
    for alias in SpeakerAlias.objects.filter(speaker_id__in=ids):
        if alias.name in existing:
            alias.delete()
        else:
            alias.speaker = keep
            alias.save(update_fields=["speaker"])
            existing.add(alias.name)
    Speaker.objects.filter(pk__in=ids).delete()
    return moved
