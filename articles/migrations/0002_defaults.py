"""Default roles, stance label sets and frame tags (editable in the admin afterwards)."""

from django.db import migrations

STANCE_SETS = [
    {
        "name": "Presentation",
        "description": "How the article presents the quote.",
        "target": "",
        "order": 1,
        "labels": [
            ("endorses", "e", "#2ca02c", "The article adopts or supports what is said."),
            ("neutral report", "r", "#7f7f7f", "Reported without evaluation."),
            (
                "distances",
                "d",
                "#ff7f0e",
                "Reported with distance: 'claimed', scare quotes, caveats.",
            ),
            ("disputes", "x", "#d62728", "The article contradicts or refutes it."),
        ],
    },
    {
        "name": "Stance toward target",
        "description": "The quote's stance toward a named target (set the target for the study).",
        "target": "the named target",
        "order": 2,
        "labels": [
            ("favour", "f", "#1f77b4", "In favour of the target."),
            ("against", "a", "#d62728", "Against the target."),
            ("none", "0", "#7f7f7f", "Neither, or unrelated."),
        ],
    },
]

FRAMES = [
    "Economic",
    "Capacity and resources",
    "Morality",
    "Fairness and equality",
    "Legality, constitutionality and jurisprudence",
    "Policy prescription and evaluation",
    "Crime and punishment",
    "Security and defense",
    "Health and safety",
    "Quality of life",
    "Cultural identity",
    "Public opinion",
    "Political",
    "External regulation and reputation",
    "Other",
]

# What each role may do in the admin; viewers and analysts never reach the admin.
EDITOR_MODELS = [
    "outlet",
    "article",
    "sourcefile",
    "speaker",
    "speakeralias",
    "quote",
    "labelset",
    "label",
    "frametag",
    "claim",
    "coverageLink",
    "story",
    "changerecord",
]


def create_defaults(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LabelSet = apps.get_model("articles", "LabelSet")
    Label = apps.get_model("articles", "Label")
    FrameTag = apps.get_model("articles", "FrameTag")

    for name in ("viewer", "analyst", "editor"):
        Group.objects.get_or_create(name=name)

    # Permissions are created after migrations run; make sure they exist now.
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    editor = Group.objects.get(name="editor")
    cts = ContentType.objects.filter(
        app_label="articles", model__in=[m.lower() for m in EDITOR_MODELS]
    )
    editor.permissions.set(Permission.objects.filter(content_type__in=cts))

    for spec in STANCE_SETS:
        label_set, _ = LabelSet.objects.get_or_create(
            name=spec["name"],
            defaults={k: spec[k] for k in ("description", "target", "order")},
        )
        for order, (name, key, colour, description) in enumerate(spec["labels"]):
            Label.objects.get_or_create(
                label_set=label_set,
                name=name,
                defaults={"key": key, "colour": colour, "description": description, "order": order},
            )
    for order, name in enumerate(FRAMES):
        FrameTag.objects.get_or_create(name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
