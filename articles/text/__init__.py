"""Pure text analysis for Newsdesk: functions over strings, no Django imports.

Cleaning, title/date detection, quotes and speakers, signatures for coverage, alignment and
diff all live here so they can be tested alone and stay fast.
"""
