"""The strings catalogue: every key has English and Simplified Chinese, with the same placeholders."""
import re

import pytest

from vizcore.i18n import LANGUAGES, STRINGS, t

FIELDS = re.compile(r"{(\w+)(?:[:!][^}]*)?}")


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_has_both_languages_and_same_fields(key):
    entry = STRINGS[key]
    assert set(entry) == set(LANGUAGES), key
    assert all(entry[lang].strip() for lang in LANGUAGES), key
    assert set(FIELDS.findall(entry["en"])) == set(FIELDS.findall(entry["zh"])), key


def test_lookup_and_fallback():
    assert t("app.title", "zh") == "Token 实验室"
    assert t("app.title", "fr") == "Token Lab"
    with pytest.raises(KeyError):
        t("no.such.key")
