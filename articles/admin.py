"""The Django admin as the corpus managers' tool: outlets, articles, speakers, vocabularies."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.template.response import TemplateResponse

from . import article_bin
from .models import (
    Article,
    ChangeRecord,
    Claim,
    CoverageLink,
    FrameTag,
    Label,
    LabelSet,
    Outlet,
    Quote,
    SourceFile,
    Speaker,
    SpeakerAlias,
    Story,
)
from .speakers import merge_speakers

# Fields whose corrections are recorded in the article's history, in the analysts' words.
TRACKED_ARTICLE_FIELDS = (
    "title",
    "title_derived",
    "published",
    "published_has_time",
    "outlet_id",
    "language",
    "url",
)


def _snapshot(obj, fields):
    return {f: (str(getattr(obj, f)) if getattr(obj, f) is not None else None) for f in fields}


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "country", "language", "article_count"]
    search_fields = ["name", "domain"]
    list_filter = ["country", "language"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, obj):
        return obj.article_total


class QuoteInline(admin.TabularInline):
    model = Quote
    fields = ["text", "start", "end", "speaker", "cue", "kind", "origin", "deleted_at"]
    readonly_fields = ["text", "start", "end", "origin"]
    autocomplete_fields = ["speaker"]
    extra = 0
    show_change_link = True
    can_delete = False  # quotes are soft-deleted by analysts, never dropped from here


class SourceFileInline(admin.TabularInline):
    model = SourceFile
    fields = ["name", "imported_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BinFilter(admin.SimpleListFilter):
    title = "bin"
    parameter_name = "bin"

    def lookups(self, request, model_admin):
        return [("no", "not in the bin"), ("yes", "in the bin")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "outlet",
        "published",
        "language",
        "title_derived",
        "quote_count",
        "in_bin",
    ]
    list_filter = [BinFilter, "outlet", "language", "title_derived", "published"]
    actions = ["move_to_bin", "restore_from_bin"]
    list_select_related = ["outlet"]
    search_fields = ["title", "body"]
    date_hierarchy = "published"
    autocomplete_fields = ["outlet"]
    readonly_fields = [
        "sha256",
        "encoding",
        "import_notes",
        "imported_at",
        "body",
        "raw_text",
        "published_source",
        # Only the bin actions move an article in or out: they confirm, count and record.
        "deleted_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "title_derived", "outlet", "language", "url"]}),
        ("Date", {"fields": ["published", "published_has_time", "published_source"]}),
        ("As imported", {"fields": ["sha256", "encoding", "imported_at", "import_notes"]}),
        ("Text", {"classes": ["collapse"], "fields": ["body", "raw_text"]}),
        ("Bin", {"fields": ["deleted_at"]}),
    ]
    inlines = [SourceFileInline, QuoteInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(quote_total=Count("quotes", filter=Q(quotes__deleted_at__isnull=True)))
        )

    @admin.display(description="quotes", ordering="quote_total")
    def quote_count(self, obj):
        return obj.quote_total

    @admin.display(description="in the bin", boolean=True, ordering="deleted_at")
    def in_bin(self, obj):
        return obj.deleted_at is not None

    @admin.action(
        description="Move to bin (hidden, not deleted; restore at any time)",
        permissions=["change"],
    )
    def move_to_bin(self, request, queryset):
        articles = list(
            queryset.select_related(None).filter(deleted_at__isnull=True).only("pk", "title")
        )
        if not articles:
            self.message_user(request, "The selected articles are in the bin already.")
            return None
        if request.POST.get("confirm") == "yes":
            moved = article_bin.move_to_bin(request.user, [a.pk for a in articles])
            self.message_user(
                request,
                f"Moved {moved} article(s) to the bin: hidden, not deleted. "
                "Restore them with “Restore from bin”.",
                messages.SUCCESS,
            )
            return None
        work = article_bin.work_on(a.pk for a in articles)
        context = {
            **self.admin_site.each_context(request),
            "title": "Move to the bin?",
            "opts": self.model._meta,
            "articles": articles,
            "work": work,
            "work_lines": work.lines(),
            "bin_days": settings.NEWSDESK_BIN_DAYS,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/articles/article/move_to_bin.html", context)

    @admin.action(
        description="Restore from bin, with all their analysts' work", permissions=["change"]
    )
    def restore_from_bin(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        restored = article_bin.restore_from_bin(request.user, ids)
        self.message_user(
            request, f"Restored {restored} article(s) from the bin.", messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = _snapshot(Article.objects.get(pk=obj.pk), TRACKED_ARTICLE_FIELDS)
        super().save_model(request, obj, form, change)
        after = _snapshot(obj, TRACKED_ARTICLE_FIELDS)
        if before != after:
            changed = [f for f in TRACKED_ARTICLE_FIELDS if not before or before[f] != after[f]]
            ChangeRecord.record(
                request.user,
                ChangeRecord.CHANGE if change else ChangeRecord.CREATE,
                "article",
                obj.pk,
                article_id=obj.pk,
                before={f: before[f] for f in changed} if before else None,
                after={f: after[f] for f in changed},
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is Quote:
            for quote_form in formset.forms:
                if quote_form.has_changed() and quote_form.instance.pk:
                    fields = [f for f in quote_form.changed_data if f != "id"]
                    old = Quote.objects.get(pk=quote_form.instance.pk)
                    ChangeRecord.record(
                        request.user,
                        ChangeRecord.CHANGE,
                        "quote",
                        old.pk,
                        article_id=old.article_id,
                        before=_snapshot(old, [f + "_id" if f == "speaker" else f for f in fields]),
                        after=_snapshot(
                            quote_form.instance,
                            [f + "_id" if f == "speaker" else f for f in fields],
                        ),
                    )
        super().save_formset(request, form, formset, change)

    def has_delete_permission(self, request, obj=None):
        # Deleting an article would drop analysts' labels on its quotes: use the bin instead,
        # which is reversible; `empty_bin` deletes for good after NEWSDESK_BIN_DAYS.
        return False


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    fields = ["name", "key", "matches"]
    readonly_fields = ["key"]
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "quote_count"]
    search_fields = ["name", "aliases__name", "role"]
    inlines = [SpeakerAliasInline]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(quote_total=Count("quotes"))

    @admin.display(description="quotes", ordering="quote_total")
    def quote_count(self, obj):
        return obj.quote_total

    def save_formset(self, request, form, formset, change):
        from .text.speakers import name_key

        for alias_form in formset.forms:
            if alias_form.cleaned_data and not alias_form.cleaned_data.get("DELETE"):
                alias_form.instance.key = name_key(alias_form.instance.name)
        super().save_formset(request, form, formset, change)

    def has_delete_permission(self, request, obj=None):
        # Deleting a speaker would silently unattribute analysts' quotes: merge it instead.
        # Only a speaker no quote names can go, one at a time.
        return (
            obj is not None
            and not obj.quotes.exists()
            and super().has_delete_permission(request, obj)
        )

    @admin.action(description="Merge selected speakers into the one with the most quotes")
    def merge_selected(self, request, queryset):
        speakers = sorted(queryset, key=lambda s: (-s.quote_total, s.pk))
        if len(speakers) < 2:
            self.message_user(request, "Select two or more speakers to merge.", messages.WARNING)
            return
        keep, others = speakers[0], speakers[1:]
        moved = merge_speakers(keep, others)
        self.message_user(
            request,
            f"Merged {len(others)} speaker(s) into “{keep.name}”; {moved} quote(s) moved.",
            messages.SUCCESS,
        )


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["text", "article", "speaker", "cue", "kind", "origin"]
    list_filter = ["kind", "origin"]
    list_select_related = ["article", "speaker"]
    search_fields = ["text", "speaker__name"]
    autocomplete_fields = ["speaker"]
    raw_id_fields = ["article"]
    readonly_fields = ["article", "start", "end", "text", "origin", "created_by", "created_at"]


class LabelInline(admin.TabularInline):
    model = Label
    fields = ["name", "key", "colour", "description", "order"]
    extra = 1


@admin.register(LabelSet)
class LabelSetAdmin(admin.ModelAdmin):
    list_display = ["name", "target", "note_required", "active", "order"]
    inlines = [LabelInline]


@admin.register(FrameTag)
class FrameTagAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        # A tag analysts gave to claims stays; rename it rather than take it from their claims.
        return (
            obj is not None
            and not obj.claims.exists()
            and super().has_delete_permission(request, obj)
        )


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["text", "created_by", "created_at", "version"]
    search_fields = ["text"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_by", "created_at", "updated_at", "version"]

    def has_delete_permission(self, request, obj=None):
        # Claims are analysts' work, changed in the app where history records each change.
        return False


@admin.register(CoverageLink)
class CoverageLinkAdmin(admin.ModelAdmin):
    list_display = ["article_a", "article_b", "relation", "status", "score", "reviewed_by"]
    list_filter = ["status", "relation"]
    raw_id_fields = ["article_a", "article_b"]
    list_select_related = ["article_a", "article_b", "reviewed_by"]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at"]
    search_fields = ["title"]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "subject", "object_id", "article"]
    list_filter = ["action", "subject"]
    list_select_related = ["user", "article"]
    raw_id_fields = ["article"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
