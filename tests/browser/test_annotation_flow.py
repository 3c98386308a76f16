"""An analyst labels quotes with the keyboard alone, undoes, marks a quote from a selection,
makes and tags a claim; a second analyst in blind mode does not see the first one's labels."""

import re

from playwright.sync_api import expect

from articles.models import Claim, Quote, StanceAnnotation

SELECT_PLAIN_TEXT = """() => {
  for (const p of document.querySelectorAll('.reader .body > p')) {
    for (const node of p.childNodes) {
      if (node.nodeType === 3 && node.textContent.trim().length > 40) {
        const at = node.textContent.search(/\\S/);
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + 25);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return range.toString();
      }
    }
  }
  return null;
}"""


def test_label_five_quotes_by_keyboard_undo_mark_a_quote_and_make_a_claim(
    page, log_in, seeds, alice, bob, screenshot_path
):
    article = max(seeds, key=lambda a: a.quotes.count())
    quotes = list(article.quotes.order_by("start", "id"))
    assert len(quotes) >= 5
    log_in(alice)
    page.goto(f"/articles/{article.pk}/")
    for i, key in enumerate("erdxe"):
        page.keyboard.press("j")
        page.keyboard.press(key)
        expect(page.locator(f"#qe-{quotes[i].pk} .stance.mine")).to_be_visible()
    expect(page.locator(f"#qe-{quotes[2].pk} .stance.mine")).to_have_text("you: distances")
    assert StanceAnnotation.objects.filter(annotator=alice).count() == 5

    page.keyboard.press("u")  # undo the fifth label
    expect(page.locator(f"#qe-{quotes[4].pk} .stance.mine")).to_have_count(0)
    assert StanceAnnotation.objects.filter(annotator=alice).count() == 4

    selected = page.evaluate(SELECT_PLAIN_TEXT)
    assert selected
    page.dispatch_event(".reader .body", "mouseup")
    form = page.locator("#new-quote-form")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Mark as quote").click()
    expect(page.locator(".messages")).to_contain_text("Quote added")
    marked = Quote.objects.get(origin="analyst")
    assert marked.text == selected and article.body[marked.start : marked.end] == selected

    entry = page.locator(f"#qe-{quotes[0].pk}")
    entry.locator("summary").click()
    entry.get_by_label("Claim in your words").fill("NATO is de facto at war with Russia")
    entry.get_by_role("button", name="Create claim").click()
    claim_link = page.locator(f"#qe-{quotes[0].pk}").get_by_role(
        "link", name="NATO is de facto at war with Russia"
    )
    expect(claim_link).to_be_visible()
    claim_link.click()
    expect(page.get_by_role("heading", name="Claim", exact=True)).to_be_visible()
    page.get_by_label("Security and defense").check()
    page.get_by_role("button", name="Save claim").click()
    expect(page.locator(".claim-page .badge")).to_have_text("Security and defense")
    assert list(Claim.objects.get().tags.values_list("name", flat=True)) == ["Security and defense"]

    page.goto(f"/articles/{article.pk}/")
    page.reload()
    expect(page.locator(f"#qe-{quotes[0].pk} .stance.mine")).to_have_text("you: endorses")
    expect(page.locator(".quote-entry .stance.mine")).to_have_count(4)
    page.screenshot(path=screenshot_path("annotation"), full_page=True)

    # A second analyst in blind mode sees none of alice's labels.
    page.get_by_role("button", name="Log out").click()
    log_in(bob)
    page.goto(f"/articles/{article.pk}/")
    expect(page.get_by_text("alice: endorses").first).to_be_visible()
    page.get_by_role("button", name=re.compile("Blind mode: off")).click()
    expect(page.get_by_role("button", name=re.compile("Blind mode: on"))).to_be_visible()
    expect(page.get_by_text(re.compile("alice: "))).to_have_count(0)
    expect(page.get_by_text("hidden (blind mode)").first).to_be_visible()
    page.screenshot(path=screenshot_path("annotation-blind"), full_page=True)
