"""The auditor's report (审计报告): one person's history, for one cut or two, as a page.

- :mod:`.labels` the label catalogue: every word shown, Chinese with its English term
- :mod:`.model` the report model: the events in the cut, the view's years, the decisions with
  their rules, notices, sections and clause texts (:mod:`policies.clauses`)
- :mod:`.timeline` the timeline's geometry (inline SVG)
- :mod:`.compare` two cuts (or two parameter files) side by side, each change with its causes
- :mod:`.html` the self-contained HTML page; :mod:`.pdf` the same page printed by Chromium
"""
