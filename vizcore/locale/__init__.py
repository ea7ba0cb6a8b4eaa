"""Per-page string catalogues. Each module defines ``STRINGS = {key: {"en": ..., "zh": ...}}``; keys are
prefixed with the page's short name (e.g. ``t2t.``). ``vizcore.i18n`` merges them all."""
