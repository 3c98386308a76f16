"""An analyst logs in, finds an article in the list and reads it, moving between quotes."""

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
