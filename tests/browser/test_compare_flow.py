"""An analyst ticks the three versions of the Peskov interview, compares them, links two quotes
by hand, and the link holds after a reload."""

from playwright.sync_api import expect

from articles.comparing import build_comparison
from articles.models import QuoteAlignment


def test_compare_three_versions_link_two_quotes_and_the_link_holds(
    page, log_in, seeds, alice, screenshot_path
):
    versions = seeds[:3]
    singles = {}
    for row in build_comparison([a.pk for a in versions]).single_rows:
        singles.setdefault(row.only_in, next(c for c in row.cells if c).quote)
    first, second = singles[0], singles[1]

    log_in(alice)
    for article in versions:
        page.get_by_role("checkbox", name=f"Compare “{article.title}”").check()
    page.get_by_role("button", name="Compare ticked articles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare 3 articles")
    for article in versions:
        expect(page.get_by_role("link", name=article.title)).to_be_visible()

    aligned = page.locator(".compare-row:not(.single)")
    assert aligned.count() >= 4
    spade = aligned.filter(has_text="call a spade a spade").filter(has_text="by their true names")
    expect(spade.first).to_be_visible()
    clock = aligned.filter(has_text="round the clock").filter(has_text="24 hours a day")
    expect(clock.first).to_be_visible()
    assert page.locator(".compare-row del").count() > 0
    assert page.locator(".compare-row ins").count() > 0
    expect(page.locator(".compare-row.single .only").first).to_contain_text("only in")

    # The full texts follow each other when one of them scrolls.
    panes = page.locator(".fulltexts .pane")
    panes.nth(0).evaluate("pane => pane.scrollTop = pane.scrollHeight / 2")
    page.wait_for_function("() => document.querySelectorAll('.fulltexts .pane')[1].scrollTop > 0")

    page.locator(f"#pick-{first.pk}").check()
    page.locator(f"#pick-{second.pk}").check()
    page.get_by_role("button", name="Link them").click()
    manual = page.locator(".compare-row.manual")
    expect(manual).to_have_count(1)
    expect(manual).to_contain_text("linked by hand")
    expect(manual).to_contain_text(first.text[:30])
    expect(manual).to_contain_text(second.text[:30])
    assert QuoteAlignment.objects.filter(linked=True, decided_by=alice).count() == 1

    page.reload()
    manual = page.locator(".compare-row.manual")
    expect(manual).to_have_count(1)
    expect(manual).to_contain_text(first.text[:30])
    expect(manual).to_contain_text(second.text[:30])
    expect(page.get_by_role("button", name="Undo")).to_be_visible()

    path = screenshot_path("compare")
    page.screenshot(path=path, full_page=False)
    assert path.stat().st_size > 20_000
