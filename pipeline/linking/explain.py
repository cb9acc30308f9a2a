"""Explain mode (`run --explain`): the `link_candidates` rows of every figure, for review."""
from __future__ import annotations

from .context import Article
from .decider import Decision


def candidate_rows(art: Article, row: dict, f, decisions: list, i: int, ids, rows: list[dict]) -> list[dict]:
    """Every figure's `link_candidates` rows: its decision's; a conversion, the amount's it converts;
    a figure no finder proposed a region for, one row that says so."""
    if f is not None and f.conversion_of is not None and f.conversion_of < len(decisions) \
            and decisions[f.conversion_of] is not None:
        source = _decision_rows(art, rows[f.conversion_of], decisions[f.conversion_of], ids)
        return [c | {"quantity_id": row.get("quantity_id"), "finder": "conversion", "finder_order": None,
                     "rank": 0, "reason": c["reason"] if c["chosen"] else "converted_amount"}
                for c in source if c["chosen"]]
    found = _decision_rows(art, row, decisions[i], ids) if decisions[i] is not None else []
    if not any(c["chosen"] for c in found):
        found.append({"article_id": row["article_id"], "quantity_id": row.get("quantity_id"), "finder": None,
                      "finder_order": None, "rank": None, "region_id": None, "zone_id": None,
                      "start": None, "end": None, "text": None, "via": None, "chosen": False,
                      "reason": "no_region" if f is not None else "not_in_parse"})
    return found


def _decision_rows(art: Article, row: dict, decision: Decision, ids) -> list[dict]:
    """The `link_candidates` rows of one figure (character offsets of the mention in `clean_text`)."""
    out = []
    chosen_ids = {rid for rid, _ in ids if rid is not None}
    total = len(ids) == 1 and ids[0][0] is not None and len(decision.mentions) > 1
    for c in decision.considered:
        span = art.doc[c["mention_token_start"]:c["mention_token_end"]]
        reason = c["reason"]
        if c["chosen"] and total:
            reason = f"total:{ids[0][0]}"
        elif c["chosen"] and c["region_id"] not in chosen_ids:
            reason = "total_without_macro_region"
        out.append({"article_id": row["article_id"], "quantity_id": row.get("quantity_id"),
                    "finder": c["finder"], "finder_order": c["finder_order"], "rank": c["rank"],
                    "region_id": c["region_id"], "zone_id": c["zone_id"],
                    "start": span.start_char, "end": span.end_char, "text": span.text, "via": c["via"],
                    "chosen": bool(c["chosen"]), "reason": reason})
    return out
