"""Newsdesk's domain model: the corpus, the analysts' annotations, and coverage between articles."""

from .annotation import Adjudication, Claim, ClaimQuote, FrameTag, Label, LabelSet, StanceAnnotation
from .corpus import Article, Outlet, Quote, SourceFile, Speaker, SpeakerAlias
from .coverage import (
    ArticleFingerprint,
    BandKey,
    BlockingKey,
    CorpusScoring,
    CoverageLink,
    QuoteAlignment,
    Story,
    TermCount,
)
from .history import ChangeRecord
from .versions import DataVersion

__all__ = [
    "Adjudication",
    "Article",
    "ArticleFingerprint",
    "BandKey",
    "BlockingKey",
    "ChangeRecord",
    "Claim",
    "ClaimQuote",
    "CorpusScoring",
    "CoverageLink",
    "DataVersion",
    "FrameTag",
    "Label",
    "LabelSet",
    "Outlet",
    "Quote",
    "QuoteAlignment",
    "SourceFile",
    "Speaker",
    "SpeakerAlias",
    "StanceAnnotation",
    "Story",
    "TermCount",
]
