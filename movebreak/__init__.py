"""movebreak: a tray app for movement breaks, posture checks and stretches."""

__version__ = "0.1.0"
