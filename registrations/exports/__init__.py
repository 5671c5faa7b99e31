"""Lists for organisers and the data held about one person: rows, and writers for CSV, XLSX,
PDF and person data. Every writer neutralises spreadsheet formulas the same way
(`registrations.text.neutralise_formula`)."""
