"""URLs of the Newsdesk app; names start with `articles-`."""

from django.urls import path

from .views import agreement, annotation, claims, compare, coverage, health, reading

urlpatterns = [
    path("", reading.article_list, name="articles-list"),
    path("articles/<int:pk>/", reading.article_reader, name="articles-reader"),
    path("articles/<int:pk>/raw/", reading.article_raw, name="articles-raw"),
    path("compare/", compare.compare, name="articles-compare"),
    path("compare/align/", compare.compare_align, name="articles-compare-align"),
    # Annotation (labels, quotes by hand, claims, agreement, history)
    path("articles/<int:pk>/history/", annotation.article_history, name="articles-history"),
    path("articles/<int:pk>/undo/", annotation.undo, name="articles-undo"),
    path("articles/<int:pk>/quotes/new/", annotation.create_quote, name="articles-quote-create"),
    path("quotes/<int:pk>/label/", annotation.label_quote, name="articles-quote-label"),
    path("quotes/<int:pk>/adjust/", annotation.adjust_quote, name="articles-quote-adjust"),
    path("quotes/<int:pk>/delete/", annotation.delete_quote, name="articles-quote-delete"),
    path("quotes/<int:pk>/restore/", annotation.restore_quote, name="articles-quote-restore"),
    path("quotes/<int:pk>/speaker/", annotation.set_speaker, name="articles-quote-speaker"),
    path("quotes/<int:pk>/claims/", claims.quote_claim, name="articles-quote-claim"),
    path(
        "quotes/<int:pk>/claims/<int:claim_pk>/remove/",
        claims.quote_claim_remove,
        name="articles-quote-claim-remove",
    ),
    path("annotation/blind/", annotation.toggle_blind, name="articles-blind"),
    path("claims/search/", claims.claim_search, name="articles-claim-search"),
    path("claims/<int:pk>/", claims.claim_detail, name="articles-claim"),
    path("agreement/", agreement.agreement, name="articles-agreement"),
    path("agreement/adjudicate/", agreement.adjudicate, name="articles-adjudicate"),
    # Coverage: the review queue of suggested links, and stories
    path("coverage/", coverage.queue, name="articles-coverage"),
    path("coverage/<int:pk>/decide/", coverage.decide, name="articles-coverage-decide"),
    path("coverage/undo/", coverage.undo, name="articles-coverage-undo"),
    path("stories/<int:pk>/", coverage.story_detail, name="articles-story"),
    path(
        "stories/<int:pk>/remove/<int:article_id>/",
        coverage.story_remove,
        name="articles-story-remove",
    ),
    path("stories/<int:pk>/merge/", coverage.story_merge, name="articles-story-merge"),
    path("healthz", health.healthz, name="articles-healthz"),
    # The page benchmark's baseline: answers 404 unless NEWSDESK_BENCH=1.
    path("bench/hello", reading.hello, name="articles-bench-hello"),
]
