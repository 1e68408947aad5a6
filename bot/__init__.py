"""Kilde's front ends: the command line (`bot.cli`) and the Telegram bot (`bot.telegram_app`)."""
