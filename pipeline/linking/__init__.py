"""Linking as a declared mechanism (the link stage, pipeline/link.py, is its thin caller).

- context.py: the article as linking sees it, read from the regions table and clean's `blocks`:
  mentions and anaphora per sentence (mentions.py), sentence topics, sentences about foreign
  entities, sections, list lead-ins, the article's focus, and each figure's situations;
- figures.py: the figures as the parse sees them (anchor, conversions, `respectively` lists);
- finders.py: each finder proposes the region(s) one kind of evidence ties a figure to, never decides;
- decider.py: the one decider: exclusions -> order -> tie-break -> fan-out (rules/link/decider.yaml);
  its `first_in_order` also decides each figure's kind (pipeline/kinds.py's candidates) and period;
- config.py: the rules, checked when loaded, and the calibrated `link_confidence` (rules/link/confidence.yaml);
- kinds.py: the period finders, kind cues of the article (future years, list lead-ins) and targets rows;
- explain.py: the `link_candidates` rows of explain mode (`run --explain`).
"""
