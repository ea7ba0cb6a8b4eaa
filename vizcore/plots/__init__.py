"""Pure plotting functions: arrays -> images and figures."""
