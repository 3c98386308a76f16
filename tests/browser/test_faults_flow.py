"""An analyst labels while the database stops answering, then while the server cannot be
reached: the page says the label was not saved, and the message goes once a label succeeds."""

from django.db import OperationalError
from playwright.sync_api import expect

from articles import annotation
from articles.models import StanceAnnotation
from newsdesk.errors import UNSAVED


def test_a_failed_label_says_so_and_the_next_one_clears_the_message(
    page, log_in, seeds, alice, monkeypatch, screenshot_path
):
    article = max(seeds, key=lambda a: a.quotes.count())
    first, second = list(article.quotes.order_by("start", "id"))[:2]
    log_in(alice)
    page.goto(f"/articles/{article.pk}/")
    problem = page.locator("#server-problem")
    expect(problem).to_be_hidden()

    def database_gone(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    # The live server runs in this process: its next label write meets a database restart.
    monkeypatch.setattr(annotation, "set_label", database_gone)
    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(problem).to_be_visible()
    expect(problem).to_have_text(UNSAVED)
    page.screenshot(path=screenshot_path("database-not-answering"))
    expect(page.locator(f"#qe-{first.pk} .stance.mine")).to_have_count(0)
    monkeypatch.undo()

    # The server cannot be reached at all (a worker killed, the network down).
    page.route("**/quotes/*/label/", lambda route: route.abort("connectionreset"))
    page.keyboard.press("d")
    expect(problem).to_contain_text("The server is not answering")
    page.unroute("**/quotes/*/label/")

    # Both answer again: the label is saved and the message goes.
    page.keyboard.press("e")
    expect(page.locator(f"#qe-{first.pk} .stance.mine")).to_be_visible()
    expect(problem).to_be_hidden()
    assert StanceAnnotation.objects.filter(annotator=alice, quote=first).count() == 1
    assert not StanceAnnotation.objects.filter(annotator=alice, quote=second).exists()
