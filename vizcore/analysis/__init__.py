"""Analyses over traces: rollout, token lineage, unfold geometry, FLOPs, saliency-vs-mask scores."""
