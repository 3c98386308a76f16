"""An analyst reviews the seed suggestions with the keyboard and opens the story they form."""

from playwright.sync_api import expect

from articles.models import Article, CoverageLink


def test_review_seed_suggestions_with_the_keyboard_and_see_the_story(
    page, log_in, seeds, alice, screenshot_path
):
    queue = list(CoverageLink.objects.filter(status="suggested").order_by("-score", "id"))
    assert len(queue) >= 3
    log_in(alice)
    page.goto("/coverage/")
    expect(page.get_by_role("heading", name="Coverage review")).to_be_visible()
    cards = page.locator(".link-card")
    expect(cards.first).to_have_class("link-card current")
    page.screenshot(path=screenshot_path("coverage-queue"), full_page=True)

    page.keyboard.press("c")
    expect(page.locator(f"#link-{queue[0].pk}")).to_have_count(0)
    expect(page.locator(f"#link-{queue[1].pk}")).to_contain_class("current")
    page.keyboard.press("c")
    expect(page.locator(f"#link-{queue[1].pk}")).to_have_count(0)
    expect(page.locator(f"#link-{queue[2].pk}")).to_contain_class("current")
    # Skip one, reject the next.
    page.keyboard.press("s")
    expect(page.locator(f"#link-{queue[3].pk}")).to_contain_class("current")
    page.keyboard.press("x")
    expect(page.locator(f"#link-{queue[3].pk}")).to_have_count(0)
    expect(page.locator(f"#link-{queue[2].pk}")).to_be_visible()

    reviewed = CoverageLink.objects.in_bulk([q.pk for q in queue[:4]])
    assert [reviewed[q.pk].status for q in queue[:4]] == [
        "confirmed",
        "confirmed",
        "suggested",
        "rejected",
    ]
    assert {reviewed[q.pk].reviewed_by_id for q in (queue[0], queue[1], queue[3])} == {alice.pk}
    count = page.locator("#queue-status .count")
    expect(count).to_have_text(
        f"{len(queue) - 3} suggestion{'s' if len(queue) != 4 else ''} to review"
    )

    # Undo the reject: its card comes back first, selected, and the bar says so.
    page.keyboard.press("u")
    restored = page.locator(f"#link-{queue[3].pk}")
    expect(restored).to_contain_class("current")
    expect(page.locator(".link-card").first).to_have_id(f"link-{queue[3].pk}")
    expect(page.locator("#queue-status .message")).to_have_text("Your last decision was undone.")
    expect(count).to_have_text(f"{len(queue) - 2} suggestions to review")
    # Change its relation with a number key: the card stays, selected, with the new relation.
    relations = [value for value, _ in CoverageLink.RELATION_CHOICES]
    other = next(r for r in relations if r != queue[3].relation)
    key = str(relations.index(other) + 1)
    page.keyboard.press(key)
    expect(restored.locator(".relation.badge")).to_have_text(other)
    expect(restored).to_contain_class("current")
    expect(restored.locator(f'button[data-key="{key}"]')).to_have_attribute("aria-pressed", "true")
    queue[3].refresh_from_db()
    assert (queue[3].status, queue[3].relation) == ("suggested", other)

    story = Article.objects.get(pk=queue[0].article_a_id).story
    assert story is not None
    members = list(Article.objects.filter(story=story))
    page.get_by_role("link", name=story.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    rows = page.locator("table.story-articles tbody tr")
    expect(rows).to_have_count(len(members))
    expect(page.get_by_role("link", name="Compare them side by side")).to_be_visible()
    page.screenshot(path=screenshot_path("coverage-story"), full_page=True)


def test_once_every_card_shown_is_decided_the_queue_fills_again(
    page, log_in, alice, monkeypatch, db
):
    from articles.views import coverage as views
    from tests.test_coverage_review import make_article

    monkeypatch.setattr(views, "QUEUE_SIZE", 2)
    arts = [make_article(f"Refill report {n}", "TASS") for n in range(4)]
    links = [
        CoverageLink.objects.create(
            article_a=arts[i], article_b=arts[i + 1], relation="related", score=0.9 - i / 10
        )
        for i in range(3)
    ]
    log_in(alice)
    page.goto("/coverage/")
    cards = page.locator(".link-card")
    expect(cards).to_have_count(2)
    page.keyboard.press("x")
    expect(page.locator(f"#link-{links[0].pk}")).to_have_count(0)
    expect(page.locator(f"#link-{links[1].pk}")).to_contain_class("current")
    page.keyboard.press("x")
    # The last card shown was decided: the queue is asked for again and brings the third.
    expect(page.locator(f"#link-{links[2].pk}")).to_contain_class("current")
    expect(page.locator("#queue-status .count")).to_have_text("1 suggestion to review")
    page.keyboard.press("c")
    expect(page.locator(".empty")).to_have_text(
        "Nothing to review: every suggested link has been decided."
    )
    expect(cards).to_have_count(0)
    assert [CoverageLink.objects.get(pk=link.pk).status for link in links] == [
        "rejected",
        "rejected",
        "confirmed",
    ]
