from hypothesis import given
from hypothesis import strategies as st

from articles.text.marks import Run, paragraphs_with_marks


def joined(paragraphs):
    return "\n\n".join("".join(run.text for run in runs) for runs in paragraphs)


def test_it_marks_a_quote_inside_a_paragraph():
    body = 'He said "yes" today.'
    paras = paragraphs_with_marks(body, [(9, 12)])
    assert paras == [[Run('He said "', None), Run("yes", 0), Run('" today.', None)]]


def test_it_splits_paragraphs_and_keeps_span_indices():
    body = "One “a”.\n\nTwo “b”."
    spans = [(body.index("b"), body.index("b") + 1), (body.index("a"), body.index("a") + 1)]
    paras = paragraphs_with_marks(body, spans)
    assert [[r.mark for r in runs if r.mark is not None] for runs in paras] == [[1], [0]]


def test_overlapping_spans_show_each_character_once():
    body = "abcdefghij"
    paras = paragraphs_with_marks(body, [(0, 6), (3, 9)])
    assert joined(paras) == body
    assert [r.mark for r in paras[0]] == [0, 1, None]


def test_a_span_across_a_paragraph_break_is_marked_in_both():
    body = "first part\n\nsecond part"
    paras = paragraphs_with_marks(body, [(6, 18)])
    assert [r.mark for r in paras[0]] == [None, 0]
    assert [r.mark for r in paras[1]] == [0, None]


@given(
    st.text(alphabet="ab \n“”", max_size=80),
    st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=8),
)
def test_runs_always_give_the_body_back(body, spans):
    paras = paragraphs_with_marks(body, spans)
    assert joined(paras) == body
    for runs in paras:
        for run in runs:
            if run.mark is not None:
                start, end = spans[run.mark]
                assert run.text and run.text in body[max(start, 0) : max(end, 0)]
