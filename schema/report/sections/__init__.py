"""The sections of the weekly report, one module each (``schema.report.base.Section``)."""
