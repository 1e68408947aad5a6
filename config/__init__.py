"""Kilde's settings, read from the environment and a `.env` file (see CONTRACT.md)."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
