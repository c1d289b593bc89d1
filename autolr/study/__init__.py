"""Optuna studies over optimizer x learning rate: settings, storage, samplers, runner."""
