"""autolr: find the optimizer and learning rate a model should train with."""

__version__ = "0.1.0"
