"""Data sets: the synthetic scenes with ground-truth masks and ImageFolder evaluation sets.

Two scene sets share one interface (``render``, ``scene``, ``make_batch``, ``CLASSES``, ``TEST_SIZE``...):
version 1 (:mod:`vizcore.data.scenes`: one large object whose outline and pattern give the class) and
version 2 (:mod:`vizcore.data.scenes_v2`: "which shape appears twice" among four to six small shapes).
A bundled model's card says which one it was trained on; :func:`scene_set` gives the module.
"""
from types import ModuleType

from vizcore.data import scenes, scenes_v2
from vizcore.data.scenes import CLASSES, SCENE_SIZE, TEST_SIZE, Scene, class_names, render, scene, token_coverage

#: version -> scene module
SCENE_SETS: dict[int, ModuleType] = {1: scenes, 2: scenes_v2}
#: the scene set the pages show and evaluate against when a model does not say
DEFAULT_SCENES = 2


def scene_set(version: int | None = None) -> ModuleType:
    """The scene module of ``version`` (None: :data:`DEFAULT_SCENES`)."""
    v = DEFAULT_SCENES if version is None else int(version)
    if v not in SCENE_SETS:
        raise ValueError(f"unknown scene set {version!r}; known: {sorted(SCENE_SETS)}")
    return SCENE_SETS[v]


def model_scenes(model) -> ModuleType:
    """The scene set ``model`` was trained on (its card's data version, attached to ``pretrained_cfg``)."""
    return scene_set((getattr(model, "pretrained_cfg", None) or {}).get("scenes"))


__all__ = ["CLASSES", "DEFAULT_SCENES", "SCENE_SETS", "SCENE_SIZE", "TEST_SIZE", "Scene", "class_names", "model_scenes",
           "render", "scene", "scene_set", "token_coverage"]
