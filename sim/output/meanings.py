"""The Danish meanings of the parameters a planner fills in: the municipality's figures and the decisions.

The scenario format describes every parameter in English, once, in its
schema (:mod:`sim.scenario.schema`; ``docs/parameters.md`` is made from it).
A Danish planner who fills in the Excel template reads the meaning of the
rows at its top in Danish: the figures a municipality has (notifications,
caseworkers, placements by type, persons at the start, prices, places), the
decisions and trends the app's levers set, and the reform's effects. They
are written here, keyed by path pattern (``*`` one or more name parts);
``{term}`` is the last part's term (a placement type, a service) in Danish.
The other parameters (the model's internal rates, durations and pools)
keep the schema's English meaning, a gap docs/app.md names.
"""

from __future__ import annotations

import fnmatch

from .words import Labels

MEANINGS_DA = {
    "population.children": "Børn og unge 0-22 år i kommunen.",
    "notification.per_year": "Underretninger modtaget i året før start, gentagne underretninger "
                             "medregnet: det tal, underretningerne om børn uden behov udledes af.",
    "caseworkers.caseload": "Åbne sager (børn) pr. rådgiver på startdatoen, som kommunerne offentliggør det: "
                            "et alternativ til antallet af rådgivere, som så udledes af startdatoens åbne "
                            "sager.",
    "caseworkers.count": "Rådgivere (årsværk), der bærer undersøgelser og åbne sager. Udledes af sager pr. "
                         "rådgiver, når det er givet i stedet (kilden siger det).",
    "caseworkers.salary_per_year": "Udgift til én rådgiver pr. år, alt medregnet.",
    "initial.placements.*": "Anbragte børn på startdatoen efter type: {term}.",
    "initial.investigations": "Børnefaglige undersøgelser i gang eller på venteliste på startdatoen.",
    "initial.preventive": "Børn med en forebyggende foranstaltning på startdatoen.",
    "initial.home_based_measures": "Foranstaltninger i hjemmet i gang på startdatoen (regnskabet tæller "
                                   "foranstaltninger, ikke børn).",
    "small_children_special.persons_at_start": "Børn i bestanden (småbørn og særlige institutioner) på "
                                               "startdatoen.",
    "preventive.price_per_year": "Pris for en forebyggende foranstaltning pr. helårsperson.",
    "home_based.*.price_per_year": "Pris pr. helårsperson, når {term} købes hos en ekstern leverandør.",
    "placement.*.price_per_year": "Pris pr. helårsanbringelse i startåret: {term}.",
    "small_children_special.price_per_year": "Pris pr. helårsperson.",
    "services.*.price_per_place_year": "Egen udgift til én plads i et år, brugt eller ej: {term}.",
    "services.*.places": "Børn, {term} kan have på én gang.",
    "services.*.external_after_days": "Politik: dage, et barn venter på en plads i {term}, før indsatsen "
                                      "købes eksternt (0: køb straks, når der er fuldt).",
    "need.growth_per_year": "Trend: årlig vækst i børn med behov (0: behovet som ved start).",
    "reporting.intensity": "Underretningsintensitet i forhold til start (1: som ved start; 2: der "
                           "underrettes dobbelt så let, en underretningsbølge).",
    "reporting.growth_per_year": "Trend: årlig vækst i underretningsintensiteten (0: ingen).",
    "placement.*.price_drift_per_year": "Årlig prisudvikling for {term} (de dyre typer stiger hurtigere end "
                                        "det generelle indeks).",
    "prices.general_index_per_year": "Årlig prisudvikling for alle priser uden egen udvikling (det kommunale "
                                     "prisindeks).",
    "reform.practised": "1, mens kommunen praktiserer reformen, 0 mens den ikke gør (en beslutning på "
                        "tidslinjen).",
    "reform.step_up_reduction": "(a) Tættere opfølgning: hvor meget lavere raten er, hvormed børn i hjemmet "
                                "får brug for en anbringelse, ved fuld effekt.",
    "reform.placement_time_limit": "(b) Tidsbegrænsede anbringelser med hjemgivelsesplan: en anbringelse "
                                   "besluttet under reformen slutter efter denne andel af behovet, ved fuld "
                                   "effekt; barnet kommer hjem til støtte i hjemmet resten af tiden.",
    "reform.mix_shift": "(c) Visitationsudvalget: andelen af anbringelser på døgninstitution og opholdssted, "
                        "der i stedet besluttes i pleje- eller netværksplejefamilie, ved fuld effekt (der "
                        "skal være ledige familier; ellers bruges erstatningstypen).",
    "reform.detection_increase": "(e) Forebyggende distriktsrådgivere og tættere kontakt: stigningen i "
                                 "underretningsintensiteten om børn med behov, når den er fuldt indfaset.",
    "reform.detection_ramp_months": "Måneder fra praksis starter, til den tidligere opsporing har fuld "
                                    "effekt.",
    "reform.full_effect_caseload": "Sager pr. rådgiver, ved eller under hvilket reformen har fuld effekt.",
    "reform.no_effect_caseload": "Sager pr. rådgiver, ved eller over hvilket reformen ingen effekt har.",
}
"""Danish meanings by path pattern; the first pattern that matches a path gives its meaning."""


def meaning(path: str, english: str, labels: Labels) -> str:
    """The meaning of the parameter at ``path`` in ``labels``' language; the schema's ``english`` if none."""
    if labels.lang != "da":
        return english
    found = next((text for pattern, text in MEANINGS_DA.items() if fnmatch.fnmatchcase(path, pattern)), None)
    if found is None:
        return english
    parts = path.split(".")
    named = parts[-1] if parts[0] == "initial" else parts[-2]  # initial.placements.TYPE, placement.TYPE.price
    term = labels.row(named)
    return found.format(term=term if parts[0] == "services" else term.lower())  # a service is a proper name
