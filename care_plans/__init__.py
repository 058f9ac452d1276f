"""care-plans: recovery-oriented mental-health care plans, their progress and their exports.

This package is the domain: models, rules, services and exports. It never imports Streamlit,
so the command line, the PDF exporter and the tests use exactly what the dashboard uses.
"""

__version__ = "0.1.0"
