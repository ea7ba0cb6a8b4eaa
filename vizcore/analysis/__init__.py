"""Analyses over traces: rollout, token lineage, reduction experiments, evaluation, trade-offs, saliency-vs-mask
scores. The FLOP and unfold geometry they use lives below the models, in ``vizcore.geometry``."""
