"""An analyst logs in, finds an article in the list and reads it, moving between quotes."""

import re

from playwright.sync_api import expect


def test_log_in_open_an_article_and_move_between_quotes(
    page, log_in, seeds, alice, screenshot_path
):
    log_in(alice)
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    article = next(a for a in seeds if "Wartime Ecstasy" in a.title)
    page.get_by_role("link", name=article.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    marks = page.locator("mark.quote")
    assert marks.count() == article.quotes.count() > 3
    page.keyboard.press("j")
    expect(marks.nth(0)).to_have_class(
        "quote spk-" + marks.nth(0).get_attribute("class").split("spk-")[1].split()[0] + " current"
    )
    page.keyboard.press("j")
    expect(marks.nth(1)).to_contain_class("current")
    expect(marks.nth(0)).not_to_contain_class("current")
    page.keyboard.press("k")
    expect(marks.nth(0)).to_contain_class("current")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.screenshot(path=screenshot_path("reader"), full_page=True)


def test_search_filter_open_and_read_an_article_with_the_keyboard(
    page, log_in, seeds, alice, screenshot_path
):
    log_in(alice)
    article = next(a for a in seeds if "Wartime Ecstasy" in a.title)
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(len(seeds))

    # "/" focuses the search box; typing swaps only the results, and the URL follows.
    page.keyboard.press("/")
    expect(page.get_by_label("Search titles and bodies")).to_be_focused()
    page.keyboard.type('"wartime ecstasy"')
    expect(page).to_have_url(re.compile(r"\?q=%22wartime(\+|%20)ecstasy%22&sort=date$"))
    expect(results.first).to_contain_text("Wartime Ecstasy")
    expect(page.locator("#results .snippet mark").first).to_be_visible()
    count = results.count()
    assert 1 <= count < len(seeds)

    # A filter combines with the search; an impossible one empties the list, then back.
    page.get_by_label("Language").fill("zz")
    expect(page.locator("#results .empty")).to_contain_text("No articles match")
    page.get_by_label("Language").fill("")
    expect(results).to_have_count(count)

    page.go_back()  # the browser's history holds every state
    expect(page).to_have_url(re.compile(r"q=%22wartime"))

    page.goto("/?q=%22wartime+ecstasy%22")
    page.get_by_role("link", name=article.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    marks = page.locator("mark.quote")
    expect(marks.first).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(marks.nth(1)).to_contain_class("current")
    page.keyboard.press("k")
    expect(marks.nth(0)).to_contain_class("current")
    expect(marks.nth(0)).to_be_in_viewport()
    expect(page.get_by_role("heading", name="Speakers")).to_be_visible()
    expect(page.get_by_role("link", name="raw text as imported")).to_be_visible()
    # Quotes are highlighted: the mark has a coloured underline and a tinted background.
    border = marks.nth(2).evaluate("el => getComputedStyle(el).borderBottomWidth")
    assert border == "3px"
    # ... coloured by speaker: Peskov's and Stoltenberg's quotes differ.
    colours = set(
        marks.evaluate_all("els => els.map(el => getComputedStyle(el).borderBottomColor)")
    )
    assert len(colours) >= 2, colours
    shot = screenshot_path("reader-keyboard")
    page.screenshot(path=shot)
    assert shot.stat().st_size > 10_000


def test_the_reader_fits_a_narrow_screen(page, log_in, seeds, alice, screenshot_path):
    log_in(alice)
    page.set_viewport_size({"width": 390, "height": 800})
    article = seeds[0]
    page.goto(f"/articles/{article.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    page.screenshot(path=screenshot_path("reader-narrow"), full_page=False)
