"""Model families and the registry. ``from vizcore.models import create_model, list_models``."""
from vizcore.models.registry import (SOURCES, CheckpointError, HubUnavailable, ModelSpec, build, create_model,
                                     describe, get_spec, list_models, register)

__all__ = ["SOURCES", "CheckpointError", "HubUnavailable", "ModelSpec", "build", "create_model", "describe",
           "get_spec", "list_models", "register"]
