"""Kilde's settings, read from the environment and a `.env` file (see CONTRACT.md)."""

from kilde.config.settings import SHIPPED_CORPUS_DIR, Settings, SettingsError, load_settings

__all__ = ["SHIPPED_CORPUS_DIR", "Settings", "SettingsError", "load_settings"]
