"""Stories: confirmed links form connected groups; editors split and merge them."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from articles.coverage import decide, merge_stories, regroup
from articles.models import Article, ChangeRecord, CoverageLink, Outlet, Story


def make_article(title, outlet="", day=None):
    out = Outlet.objects.get_or_create(name=outlet)[0] if outlet else None
    return Article.objects.create(
        title=title,
        outlet=out,
        body=title,
        raw_text=title,
        published=datetime(2023, 2, day, tzinfo=UTC) if day else None,
        sha256=title.encode().hex()[:64].ljust(64, "0"),
        encoding="utf-8",
    )


def link(a, b, status=CoverageLink.SUGGESTED, relation=CoverageLink.SAME_STORY):
    lo, hi = sorted((a.pk, b.pk))
    return CoverageLink.objects.create(
        article_a_id=lo, article_b_id=hi, relation=relation, status=status, score=0.7
    )


def story_of(*articles):
    return {Article.objects.get(pk=a.pk).story_id for a in articles}


@pytest.fixture
def chain(db):
    """Four reports: a-b-c linked in a chain, d alone."""
    a = make_article("First report", "Izvestia", 28)
    b = make_article("Second report", "TASS", 27)
    c = make_article("Third report", "RT", None)
    d = make_article("Other story", "BBC", 1)
    return a, b, c, d, link(a, b), link(b, c), link(c, d)


def test_confirming_a_chain_of_links_puts_every_article_in_one_story(alice, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    first = story_of(a, b)
    assert len(first) == 1 and None not in first
    decide(alice, bc.pk, CoverageLink.CONFIRMED)
    assert story_of(a, b, c) == first
    assert story_of(d) == {None}
    assert Story.objects.count() == 1


def test_joining_two_stories_keeps_one_and_deletes_the_other(alice, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    decide(alice, cd.pk, CoverageLink.CONFIRMED)
    assert Story.objects.count() == 2
    decide(alice, bc.pk, CoverageLink.CONFIRMED)
    assert len(story_of(a, b, c, d)) == 1
    assert Story.objects.count() == 1


def test_rejecting_a_confirmed_link_splits_the_story(eddie, chain):
    a, b, c, d, ab, bc, cd = chain
    for each in (ab, bc, cd):
        decide(eddie, each.pk, CoverageLink.CONFIRMED)
    (whole,) = story_of(a, b, c, d)
    decide(eddie, bc.pk, CoverageLink.REJECTED)
    assert story_of(a, b) != story_of(c, d)
    assert len(story_of(a, b)) == 1 and len(story_of(c, d)) == 1
    assert whole in story_of(a, b) | story_of(c, d)
    decide(eddie, ab.pk, CoverageLink.REJECTED)
    assert story_of(a) == {None} and story_of(b) == {None}
    assert Story.objects.count() == 1


def test_a_story_page_lists_articles_first_report_first_with_a_compare_link(
    client_for, victor, alice, chain
):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    decide(alice, bc.pk, CoverageLink.CONFIRMED)
    story = Article.objects.get(pk=a.pk).story
    assert story.title == "Second report"  # the first report names the story
    html = client_for(victor).get(f"/stories/{story.pk}/").content.decode()
    assert html.index("Second report") < html.index("First report") < html.index("Third report")
    assert "first report" in html
    assert f"/compare/?articles={b.pk},{a.pk},{c.pk}" in html
    assert "Remove from story" not in html and "Merge stories" not in html


def test_the_story_page_costs_a_bounded_number_of_queries(
    client_for, eddie, chain, django_assert_max_num_queries
):
    a, b, c, d, ab, bc, cd = chain
    for each in (ab, bc, cd):
        decide(eddie, each.pk, CoverageLink.CONFIRMED)
    client = client_for(eddie)
    story = Article.objects.get(pk=a.pk).story_id
    # session, user, story, its articles, its links, the other stories to merge with
    with django_assert_max_num_queries(6):
        response = client.get(f"/stories/{story}/")
    assert response.status_code == 200


def test_the_story_page_orders_same_day_reports_by_outlet_and_leaves_out_the_bin(
    client_for, eddie, chain
):
    a, b, c, d, ab, bc, cd = chain
    same_day = make_article("Same day elsewhere", "AFP", 27)
    binned = make_article("Binned report", "Reuters", 27)
    for each in (ab, bc, link(b, same_day), link(b, binned)):
        decide(eddie, each.pk, CoverageLink.CONFIRMED)
    Article.objects.filter(pk=binned.pk).update(deleted_at=datetime(2024, 1, 1, tzinfo=UTC))
    Story.objects.filter(pk=Article.objects.get(pk=a.pk).story_id).update(title="")
    story = Article.objects.get(pk=a.pk).story_id
    html = client_for(eddie).get(f"/stories/{story}/").content.decode()
    order = ["Same day elsewhere", "Second report", "First report", "Third report"]
    assert [html.index(title) for title in order] == sorted(html.index(t) for t in order)
    assert "Binned report" not in html
    assert f"<h1>Story {story}</h1>" in html  # an untitled story is named by its number
    assert html.count("Reject this link") == 3  # the link to the binned report is not listed


def test_an_unknown_story_is_not_found(client_for, alice, db):
    assert client_for(alice).get("/stories/12345/").status_code == 404


def test_an_editor_removes_an_article_from_its_story(client_for, eddie, chain):
    a, b, c, d, ab, bc, cd = chain
    for each in (ab, bc):
        decide(eddie, each.pk, CoverageLink.CONFIRMED)
    (story_id,) = story_of(a, b, c)
    response = client_for(eddie).post(f"/stories/{story_id}/remove/{b.pk}/")
    assert response.status_code == 302
    assert story_of(a, b, c) == {None}
    assert not Story.objects.filter(pk=story_id).exists()
    assert set(
        CoverageLink.objects.filter(pk__in=[ab.pk, bc.pk]).values_list("status", flat=True)
    ) == {CoverageLink.REJECTED}
    assert ChangeRecord.objects.filter(subject="coverage link", user=eddie).count() == 4


def test_analysts_and_viewers_cannot_split_or_merge(client_for, alice, victor, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    decide(alice, cd.pk, CoverageLink.CONFIRMED)
    (s1,), (s2,) = story_of(a), story_of(d)
    for user in (alice, victor):
        client = Client()
        client.force_login(user)
        assert client.post(f"/stories/{s1}/remove/{a.pk}/").status_code == 403
        assert client.post(f"/stories/{s1}/merge/", {"other": s2}).status_code == 403
    assert story_of(a, b) == {s1}


def test_an_editor_merges_two_stories_through_a_confirmed_link(client_for, eddie, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(eddie, ab.pk, CoverageLink.CONFIRMED)
    decide(eddie, cd.pk, CoverageLink.CONFIRMED)
    (s1,), (s2,) = story_of(a), story_of(d)
    client = client_for(eddie)
    assert client.post(f"/stories/{s1}/merge/", {"other": "x"}).status_code == 400
    assert client.post(f"/stories/{s1}/merge/", {"other": s1}).status_code == 400
    response = client.post(f"/stories/{s1}/merge/", {"other": s2})
    assert response.status_code == 302
    assert len(story_of(a, b, c, d)) == 1
    assert Story.objects.count() == 1


def test_merging_without_the_csrf_token_is_refused(eddie, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(eddie, ab.pk, CoverageLink.CONFIRMED)
    decide(eddie, cd.pk, CoverageLink.CONFIRMED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(eddie)
    (s1,), (s2,) = story_of(a), story_of(d)
    assert client.post(f"/stories/{s1}/merge/", {"other": s2}).status_code == 403
    assert Story.objects.count() == 2


def test_merge_stories_refuses_an_empty_story(eddie, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(eddie, ab.pk, CoverageLink.CONFIRMED)
    empty = Story.objects.create(title="empty")
    with pytest.raises(ValueError):
        merge_stories(eddie, Article.objects.get(pk=a.pk).story, empty)


def test_regroup_is_a_no_op_when_nothing_changed(alice, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    before = story_of(a, b)
    regroup([a.pk, b.pk])
    assert story_of(a, b) == before


@pytest.mark.django_db
def test_the_seed_interview_versions_become_one_story_without_the_macron_call(seeds, alice):
    by_name = {a.source_files.first().name[:3]: a for a in seeds}
    interview = [by_name[n] for n in ("000", "001", "002")]
    suggested = CoverageLink.objects.filter(status=CoverageLink.SUGGESTED, score__gte=0.5)
    pairs = {(link.article_a_id, link.article_b_id) for link in suggested}
    ids = sorted(a.pk for a in interview)
    assert pairs == {(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])}
    for each in suggested:
        decide(alice, each.pk, CoverageLink.CONFIRMED)
    (story,) = story_of(*interview)
    assert story is not None
    assert story_of(by_name["003"]) == {None}
    assert story_of(by_name["004"]) == {None}


def test_the_story_page_lists_only_confirmed_links(client_for, victor, alice, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    decide(alice, bc.pk, CoverageLink.CONFIRMED)
    link(a, c, status=CoverageLink.REJECTED, relation=CoverageLink.TRANSLATION)
    link(a, d, status=CoverageLink.SUGGESTED, relation=CoverageLink.REWRITE)
    html = client_for(victor).get(f"/stories/{Article.objects.get(pk=a.pk).story_id}/").content
    listed = html.decode().split("Confirmed links")[1]
    assert listed.count("<li>") == 2 and "translation" not in listed and "rewrite" not in listed


def test_a_cycle_of_confirmed_links_is_one_story_and_the_walk_ends(alice, chain):
    """The recursive walk of confirmed links meets each article again around a cycle."""
    a, b, c, d, ab, bc, cd = chain
    for each in (ab, bc, cd, link(a, d), link(a, c)):
        decide(alice, each.pk, CoverageLink.CONFIRMED)
    assert len(story_of(a, b, c, d)) == 1 and None not in story_of(a)
    assert Story.objects.count() == 1


def test_a_regroup_writes_only_the_articles_whose_story_changes(
    alice, chain, django_assert_max_num_queries
):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, ab.pk, CoverageLink.CONFIRMED)
    decide(alice, bc.pk, CoverageLink.CONFIRMED)
    # The walk from a (a, b, c in their story) and the one from d (alone, in none): no write.
    with django_assert_max_num_queries(2):
        regroup([a.pk, b.pk, c.pk, d.pk])


def test_a_story_title_is_its_first_reports_and_undated_reports_come_last(alice, chain):
    a, b, c, d, ab, bc, cd = chain
    decide(alice, bc.pk, CoverageLink.CONFIRMED)  # b (Feb 27) and c (no date)
    assert Article.objects.get(pk=b.pk).story.title == "Second report"
    decide(alice, ab.pk, CoverageLink.CONFIRMED)  # a (Feb 28) joins the story b is in
    assert Article.objects.get(pk=a.pk).story.title == "Second report"


def test_undoing_a_confirmation_takes_the_story_away(client_for, alice, chain):
    a, b, c, d, ab, bc, cd = chain
    client = client_for(alice)
    client.post(f"/coverage/{ab.pk}/decide/", {"action": "confirm", "expected": "suggested"})
    assert Story.objects.count() == 1
    client.post("/coverage/undo/")
    assert story_of(a, b) == {None} and Story.objects.count() == 0
