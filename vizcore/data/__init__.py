"""Data sets: synthetic scenes with ground-truth masks (``scenes``) and ImageFolder evaluation sets."""
from vizcore.data.scenes import CLASSES, SCENE_SIZE, TEST_SIZE, Scene, class_names, render, scene, token_coverage

__all__ = ["CLASSES", "SCENE_SIZE", "TEST_SIZE", "Scene", "class_names", "render", "scene", "token_coverage"]
