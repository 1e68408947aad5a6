"""Kilde's front ends: the command line (`kilde.bot.cli`) and the Telegram bot (`.telegram_app`)."""
