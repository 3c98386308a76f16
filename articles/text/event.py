"""Event evidence for same-story linking: whether two reports name the same participants and
the same year, beyond sharing the vocabulary of one kind of event."""

from collections.abc import Mapping

# A name an article repeats is one of its participants; a name said once may be background.
PARTICIPANT_MENTIONS = 2


def unexplained_participants(names: Mapping[str, int], other_terms: Mapping[str, int]) -> float:
    """Share of an article's name mentions that go to repeated names the other article never
    uses: 0 when the other report knows everyone this one keeps talking about, near 1 when
    this one is about people and places the other has never heard of."""
    total = sum(names.values())
    if not total:
        return 0.0
    unknown = sum(
        count
        for name, count in names.items()
        if count >= PARTICIPANT_MENTIONS and name not in other_terms
    )
    return unknown / total


def participant_contrast(
    names_a: Mapping[str, int],
    terms_a: Mapping[str, int],
    names_b: Mapping[str, int],
    terms_b: Mapping[str, int],
) -> float:
    """How much both articles are about participants of their own (the smaller of the two
    shares). Two fights of one champion share the champion but not the challenger; one report
    that names more people than another still leaves the shorter report nothing of its own."""
    return min(
        unexplained_participants(names_a, terms_b), unexplained_participants(names_b, terms_a)
    )
