"""The app's words in Danish and English; the report's own labels name outcomes and variants.

The language is part of the address (``?lang=en``), so a link shows the
same screen in the same language to a colleague.
"""

from __future__ import annotations

from ..report import LANGUAGES

WORDS: dict[str, tuple[str, str]] = {
    "title": ("barnesim: børne- og ungeområdets økonomi", "barnesim: child welfare flows and budget"),
    "other_language": ("English", "Dansk"),
    "start": ("Start fra scenarie", "Start from scenario"),
    "upload": ("Upload scenarie (TOML eller Excel-skabelon)",
               "Upload a scenario (TOML or the Excel template)"),
    "template": ("Hent Excel-skabelon", "Download the Excel template"),
    "uploaded": ("Uploadet og valgt", "Uploaded and chosen"),
    "name": ("Scenariets navn", "Scenario name"),
    "years": ("År", "Years"),
    "replications": ("Gentagelser", "Replications"),
    "seed": ("Startværdi (seed)", "Seed"),
    "uncertainty": ("Usikkerhed", "Uncertainty"),
    "stochastic": ("Tilfældighed (antagelser faste)", "Chance (assumptions fixed)"),
    "parameters": ("Tilfældighed og antagelser i deres spænd", "Chance and assumptions in their ranges"),
    "run": ("Kør", "Run"),
    "running": ("{done} af {total} kørsler", "{done} of {total} runs"),
    "finished": ("Færdig: {folder}", "Finished: {folder}"),
    "failed": ("Kørslen stoppede", "The run stopped"),
    "levers": ("Håndtag", "Levers"),
    "results": ("Resultater", "Results"),
    "compare_tab": ("Sammenlign", "Compare"),
    "decisions": ("Beslutninger", "Decisions"),
    "demand": ("Efterspørgsel", "Demand"),
    "prices": ("Prisudvikling pr. anbringelsestype", "Price drift per placement type"),
    "assumptions": ("Øvrige antagelser (inden for deres spænd)", "Other assumptions (within their ranges)"),
    "from": ("fra", "from"),
    "drift": ("Prisudvikling", "Price drift"),
    "allowed": ("tilladt", "allowed"),
    "valid": ("Scenariet er gyldigt.", "The scenario is valid."),
    "save_as": ("Gem scenariet som", "Save the scenario as"),
    "save": ("Gem", "Save"),
    "saved_as": ("Gemt som {name}", "Saved as {name}"),
    "saved": ("Gemte scenarier", "Saved scenarios"),
    "compare_with": ("Kør side om side med", "Run side by side with"),
    "load": ("Hent til håndtagene", "Load into the levers"),
    "shown_run": ("Vis kørsel", "Show run"),
    "no_run": ("Ingen kørsel endnu: vælg håndtag og tryk Kør.", "No run yet: set the levers and press Run."),
    "compared": ("Sammenlign", "Compare"),
    "comparison": ("Parret sammenligning med {baseline}: {outcome} ({unit})",
                   "Paired comparison with {baseline}: {outcome} ({unit})"),
    "p_lower": ("P(lavere)", "P(lower)"),
    "variant": ("Scenarie", "Scenario"),
    "year": ("År", "Year"),
    "difference": ("Forskel, median", "Difference, median"),
    "interval": ("90 %-interval", "90% interval"),
    "p_saving": ("P(besparelse > 0)", "P(saving > 0)"),
    "download_workbook": ("Hent regneark (Excel)", "Download the workbook (Excel)"),
    "download_report": ("Hent rapport (HTML)", "Download the report (HTML)"),
    "download_bundle": ("Hent scenariefiler, der gentager kørslen",
                        "Download the scenario files that repeat the run"),
    "side_by_side": ("Håndtagene side om side", "The levers side by side"),
    "lever": ("Håndtag", "Lever"),
    "parameter_caseworkers.count": ("Sagsbehandlere (årsværk)", "Caseworkers (full-time)"),
    "parameter_services.familiehus.places": ("Pladser i Familiehuset", "Places at Familiehus"),
    "parameter_services.dut.places": ("Pladser i DUT (kontaktpersoner)", "Places at DUT (contact persons)"),
    "parameter_notification.growth_per_year": ("Vækst i underretninger pr. år",
                                               "Growth of notifications per year"),
}


def text(lang: str, key: str, **values: object) -> str:
    """The word ``key`` in ``lang``, with ``values`` filled in."""
    return WORDS[key][LANGUAGES.index(lang)].format(**values)


def lever_label(lang: str, path: str, placement_type: str | None = None) -> str:
    """A lever's label: its own words, the placement type for a price drift, else its path."""
    key = f"parameter_{path}"
    if key in WORDS:
        return text(lang, key)
    return f"{text(lang, 'drift')}: {placement_type}" if placement_type else path
