"""The Telegram handlers, by concern; `bot.app` registers them."""
