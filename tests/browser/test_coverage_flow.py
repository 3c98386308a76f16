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

    story = Article.objects.get(pk=queue[0].article_a_id).story
    assert story is not None
    members = list(Article.objects.filter(story=story))
    page.get_by_role("link", name=story.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    rows = page.locator("table.story-articles tbody tr")
    expect(rows).to_have_count(len(members))
    expect(page.get_by_role("link", name="Compare them side by side")).to_be_visible()
    page.screenshot(path=screenshot_path("coverage-story"), full_page=True)
