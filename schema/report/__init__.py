"""The weekly supervision report (周报): sections built from the GraphQL queries' own functions
(``schema.report.weekly``), rendered as HTML, Markdown, CSV or JSON (``schema.report.render``)."""
