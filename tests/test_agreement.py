"""The agreement page: alpha, kappa per pair, confusion matrix, disputed quotes, adjudication."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Adjudication, ChangeRecord, LabelSet, StanceAnnotation
from tests.conftest import make_user


@pytest.fixture
def presentation(db):
    return LabelSet.objects.get(name="Presentation")


@pytest.fixture
def labelled(seeds, alice, bob, presentation):
    """alice and bob label four quotes; they disagree on the last one."""
    quotes = list(seeds[0].quotes.order_by("start")[:4])
    labels = {lb.name: lb for lb in presentation.labels.all()}
    plan = [
        ("endorses", "endorses"),
        ("disputes", "disputes"),
        ("neutral report", "neutral report"),
        ("endorses", "distances"),
    ]
    for quote, (a, b) in zip(quotes, plan, strict=True):
        for user, name in ((alice, a), (bob, b)):
            StanceAnnotation.objects.create(
                annotator=user, quote=quote, label_set=presentation, label=labels[name]
            )
    return quotes


def test_the_page_shows_alpha_kappa_and_the_disputed_quote(
    client_for, victor, labelled, presentation
):
    response = client_for(victor).get(reverse("articles-agreement"), {"set": presentation.pk})
    html = response.content.decode()
    assert response.status_code == 200
    # 4 units, 8 values; alpha by hand: D_o = 2/8, n_c = e3 r2 x2 d1 → D_e = (64-18)/56.
    alpha = 1 - (2 / 8) / ((64 - 9 - 4 - 4 - 1) / 56)
    assert f"{alpha:.3f}" in html
    # kappa: p_o = 3/4; p_e = (2*1 + 1*1 + 1*1 + 0)/16 = 4/16
    assert f"{(0.75 - 0.25) / 0.75:.3f}" in html
    assert "alice × bob" in html
    assert f'id="dq{labelled[3].pk}"' in html
    assert f'id="dq{labelled[0].pk}"' not in html
    assert "Record adjudication" not in html  # viewers do not adjudicate


def test_quotes_labelled_by_one_analyst_only_do_not_count(client_for, alice, seeds, presentation):
    quote = seeds[0].quotes.first()
    StanceAnnotation.objects.create(
        annotator=alice, quote=quote, label_set=presentation, label=presentation.labels.first()
    )
    html = client_for(alice).get(reverse("articles-agreement")).content.decode()
    assert 'class="units">0<' in html and "not defined" in html


def test_an_editor_records_the_adjudicated_label(client_for, eddie, labelled, presentation):
    client = client_for(eddie)
    disputes = presentation.labels.get(name="distances")
    response = client.post(
        reverse("articles-adjudicate"),
        {"quote": labelled[3].pk, "label": disputes.pk, "note": "<i>bob</i> is right"},
    )
    assert response.status_code == 302
    adjudication = Adjudication.objects.get()
    assert (adjudication.label, adjudication.editor) == (disputes, eddie)
    client.post(
        reverse("articles-adjudicate"),
        {"quote": labelled[3].pk, "label": presentation.labels.get(name="endorses").pk},
    )
    assert Adjudication.objects.get().label.name == "endorses"
    assert list(
        ChangeRecord.objects.filter(subject="adjudication").values_list("action", flat=True)
    ) == ["create", "change"]
    html = client.get(reverse("articles-agreement")).content.decode()
    assert "Adjudicated: <strong>endorses</strong>" in html


def test_adjudication_is_refused_to_analysts_viewers_anonymous_and_without_csrf(
    client, alice, victor, eddie, labelled, presentation
):
    url = reverse("articles-adjudicate")
    data = {"quote": labelled[3].pk, "label": presentation.labels.first().pk}
    response = client.post(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    for user in (alice, victor):
        client.force_login(user)
        assert client.post(url, data).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(eddie)
    assert strict.post(url, data).status_code == 403
    assert not Adjudication.objects.exists()


@pytest.mark.parametrize("data", [{"quote": "x", "label": "1"}, {"quote": "1"}])
def test_bad_adjudication_input_is_refused(client_for, eddie, data):
    assert client_for(eddie).post(reverse("articles-adjudicate"), data).status_code == 400


def test_hostile_usernames_and_label_names_are_escaped(client_for, seeds, presentation):
    evil_label = presentation.labels.create(name="<script>x</script>", key="z")
    quote = seeds[0].quotes.first()
    users = [make_user('<img src=x onerror="1">', "analyst"), make_user("carol", "analyst")]
    for user, label in zip(
        users, [evil_label, presentation.labels.get(name="endorses")], strict=True
    ):
        StanceAnnotation.objects.create(
            annotator=user, quote=quote, label_set=presentation, label=label
        )
    html = client_for(users[1]).get(reverse("articles-agreement")).content.decode()
    assert "<script>x" not in html and "<img src=x" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_the_page_costs_a_bounded_number_of_queries(
    client_for, alice, labelled, django_assert_max_num_queries
):
    client = client_for(alice)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("articles-agreement")).status_code == 200
