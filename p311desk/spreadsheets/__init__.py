"""Spreadsheets in and out: reading messy files, validation reports, safe writers."""
