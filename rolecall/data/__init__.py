"""Data files shipped with rolecall."""
