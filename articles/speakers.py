"""Matching the speakers an article names to the corpus's speakers, and merging speakers."""

from dataclasses import dataclass

from django.db import transaction

from .models import Quote, Speaker, SpeakerAlias
from .text.speakers import name_key


@dataclass(frozen=True)
class SpeakerRow:
    """A speaker as the pages read it with a quote (id and name): plain rows, since building
    model instances cost the reader and the compare page more than reading them."""

    pk: int
    name: str


def identifying(name: str) -> bool:
    """Whether a name is specific enough to match across articles ("Sergei Lavrov", not "he")."""
    return len(name.split()) >= 2 or name[:1].isupper()


class SpeakerDirectory:
    """Finds or creates the Speaker for each name an article uses.

    Keeps what it learns in memory (key → speaker, speaker → alias names) so a large import asks
    the database once per distinct speaker, and writes new aliases in one statement per batch
    (`flush`). Used inside the import's transaction; a rolled-back batch needs a new directory.
    """

    def __init__(self):
        self._by_key: dict[str, int] = {}
        self._aliases: dict[int, set[str]] = {}
        self._pending: list[SpeakerAlias] = []
        self._absent: set[str] = set()  # keys the last prefetch found nowhere

    def prefetch(self, names) -> None:
        """Look up every name of a batch, and the aliases of the speakers found, in two queries
        instead of two per name."""
        keys = {name_key(name[:300]) for name in names} - self._by_key.keys() - {""}
        self._absent = set(keys)
        rows = (
            SpeakerAlias.objects.filter(key__in=keys, matches=True)
            .order_by("key", "speaker_id")
            .values_list("key", "speaker_id")
        )
        for key, speaker_id in rows:
            self._by_key.setdefault(key, speaker_id)  # the oldest speaker, as in _lookup
            self._absent.discard(key)
        # Their alias names too, so that resolving asks nothing more per speaker.
        unknown = {self._by_key[key] for key in keys if key in self._by_key} - self._aliases.keys()
        if unknown:
            for speaker_id in unknown:
                self._aliases[speaker_id] = set()
            aliases = SpeakerAlias.objects.filter(speaker_id__in=unknown)
            for speaker_id, name in aliases.values_list("speaker_id", "name"):
                self._aliases[speaker_id].add(name)

    def _lookup(self, key: str) -> int | None:
        if key not in self._by_key:
            if key in self._absent:
                return None
            speaker_id = (
                SpeakerAlias.objects.filter(key=key, matches=True)
                .order_by("speaker_id")
                .values_list("speaker_id", flat=True)
                .first()
            )
            if speaker_id is None:
                return None
            self._by_key[key] = speaker_id
        return self._by_key[key]

    def _known_aliases(self, speaker_id: int) -> set[str]:
        if speaker_id not in self._aliases:
            self._aliases[speaker_id] = set(
                SpeakerAlias.objects.filter(speaker_id=speaker_id).values_list("name", flat=True)
            )
        return self._aliases[speaker_id]

    def resolve(self, mentions) -> dict[str, int]:
        """Map each mention's canonical name to a speaker id, creating speakers as needed."""
        found: dict[str, int] = {}
        for mention in mentions:
            name = mention.name[:300]
            key = name_key(name)
            speaker_id = self._lookup(key) if key else None
            if speaker_id is None:
                speaker_id = Speaker.objects.create(name=name, role=mention.role[:300]).pk
                if key and identifying(name):
                    # Same rule as the database lookup: only names that match across articles.
                    self._by_key[key] = speaker_id
                self._aliases[speaker_id] = set()
            known = self._known_aliases(speaker_id)
            for alias in (mention.name, *mention.aliases):
                alias = alias[:300]
                if alias and alias not in known:
                    known.add(alias)
                    # Only the canonical full name matches across articles.
                    self._pending.append(
                        SpeakerAlias(
                            speaker_id=speaker_id,
                            name=alias,
                            key=name_key(alias)[:300],
                            matches=alias == mention.name and identifying(alias),
                        )
                    )
            found[mention.name] = speaker_id
        return found

    def flush(self) -> None:
        """Write the aliases learnt since the last flush."""
        SpeakerAlias.objects.bulk_create(self._pending, ignore_conflicts=True, batch_size=1000)
        self._pending = []


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
