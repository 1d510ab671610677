"""File renderers for the assessment report: chart PNGs, the board paper PDF, the XLSX workbook.

Each takes the platform-neutral report objects from ``bot.domain.report`` and returns the file's
bytes; none of them needs a display, a chat platform or the database.
"""
