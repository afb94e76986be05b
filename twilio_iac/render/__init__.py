"""Plans and reports drawn for people and machines: text, JSON, Markdown for
pull requests, and the usage tables and charts.

May import: reconcile and operations (for their values), resources and the
base modules. Never performs I/O beyond returning strings.
"""
