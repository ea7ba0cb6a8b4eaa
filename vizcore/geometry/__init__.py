"""Geometry below the models: analytic multiply-accumulate counts (``flops``) and the soft-split (``nn.Unfold``)
windows of T2T-ViT (``unfold``). Pure functions of shapes; the models compute their cost with them."""
