"""The one word table: every label of the report, workbook, app and command line, in Danish and English.

A committee paper uses the accounts' own terms (forebyggende, foregribende,
anbringelser by type, helårspersoner, underretninger), and a planner who
reads them in the report must find the same words in the app and in what
``python -m sim run`` prints. So each term is written once, here, in both
languages, and every screen looks it up; :class:`Labels` picks a language
and writes numbers as that language writes them. It sits with the outputs,
below the Monte Carlo, report and app packages, so the command line uses it
without loading them. How an outcome is named and scaled is the outcome
registry's (:mod:`sim.montecarlo.registry`), which takes its words from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LANGUAGES = ("da", "en")

TERMS = {
    "preventive": ("Forebyggende foranstaltninger", "Preventive measures"),
    "home_based": ("Foregribende foranstaltninger (i hjemmet)", "Home-based measures"),
    "placement": ("Anbringelser", "Placements"),
    "small_children_special": ("Småbørn og særlige institutioner", "Small children and special institutions"),
    "authority": ("Myndighed (rådgivere og overhead)", "Authority (caseworkers and overheads)"),
    "total": ("I alt", "Total"),
    "total_with_authority": ("I alt med myndighed", "Total with authority"),
    "foster_family": ("Almindelig plejefamilie", "Foster family"),
    "network_foster_family": ("Netværksplejefamilie", "Network foster family"),
    "municipal_foster_family": ("Kommunal plejefamilie", "Municipal foster family"),
    "boarding_school": ("Kost- og efterskole", "Boarding school"),
    "own_room": ("Eget værelse", "Own room"),
    "residential_institution": ("Døgninstitution", "Residential institution"),
    "residential_home": ("Socialpædagogisk opholdssted", "Residential home"),
    "familiehus": ("Familiehuset", "Familiehus (family centre)"),
    "dut": ("DUT (kontaktpersonteamet)", "DUT (contact-person team)"),
    "spend": ("Udgifter", "Spend"),
    "full_year_persons": ("Helårspersoner", "Full-year persons"),
    "persons_31_dec": ("Personer pr. 31. december", "Persons at 31 December"),
    "placements_31_dec": ("Anbragte pr. 31. december", "Placed children at 31 December"),
    "notifications": ("Underretninger", "Notifications (underretninger)"),
    "assessments": ("Vurderinger inden for 24 timer", "Assessments within 24 hours"),
    "applications": ("Ansøgninger og henvendelser", "Applications"),
    "children_renotified": ("Børn underrettet igen efter afslag",
                            "Children notified again after being screened out"),
    "screened_out_in_need": ("Børn med behov, der ikke fik en indsats", "Children in need screened out"),
    "reviews": ("Opfølgninger", "Reviews (opfølgning)"),
    "investigations_decided": ("Afsluttede børnefaglige undersøgelser", "Investigations concluded"),
    "deadline_breaches": ("Heraf efter fristen på 4 måneder", "Of them after the 4-month deadline"),
    "placements_started": ("Nye anbringelser", "Placements started"),
    "placements_substituted": ("Heraf i en anden type end den besluttede",
                               "Of them in a substitute type"),
    "caseload_per_worker.mean": ("Sager pr. rådgiver", "Cases per caseworker"),
    "open_cases.mean": ("Åbne sager", "Open cases"),
    "awaiting_investigation.mean": ("Venter på undersøgelse", "Awaiting investigation"),
    "placements.mean": ("Anbragte", "Placed children"),
    "requests": ("Henvisninger", "Requests"),
    "median_wait_days": ("Ventetid, median", "Median wait"),
    "max_wait_days": ("Længste ventetid", "Longest wait"),
    "waiting_31_dec": ("Venter pr. 31. december", "Waiting at 31 December"),
    "external_share": ("Andel købt eksternt", "Share bought externally"),
    "in_house_spend_kr": ("Udgift, egen indsats", "In-house spend"),
    "external_spend_kr": ("Udgift, købt eksternt", "External spend"),
    "spend_by_cause": ("Udgifter efter årsag", "Spend by cause"),
    "placement_spend_kr": ("Udgifter til anbringelse", "Placement spend"),
    "placement_full_year_persons": ("Anbragte helårspersoner", "Placed full-year persons"),
    "home_based_spend_kr": ("Udgifter til foranstaltning i hjemmet", "Home-based spend"),
    "home_based_full_year_persons": ("Helårspersoner med foranstaltning i hjemmet",
                                     "Full-year persons with a home-based measure"),
    "family_treatment": ("Familiebehandling", "Family treatment"),
    "contact_person": ("Kontaktperson", "Contact person"),
    "relief_care": ("Aflastning", "Relief care"),
    "day_treatment": ("Dagbehandling", "Day treatment"),
    "found_by_detection": ("Børn fundet ved tidligere opsporing", "Children found by earlier detection"),
    "re_placement": ("Genanbringelser", "Re-placements"),
    "after_step_down": ("Indsatser efter nedtrapning fra anbringelse",
                        "Measures after a step down from a placement"),
    "external_while_waiting": ("Købt eksternt efter ventetid", "Bought externally after a wait"),
    "idle_places": ("Tomme pladser i egne tilbud", "Idle in-house places"),
    "other": ("Øvrige", "Other"),
    "placements": ("Anbringelser i alt (antal og pris)", "Placements in all (volume and price)"),
    "placements_volume": ("Anbringelser, antal", "Placements, volume"),
    "placements_price": ("Anbringelser, pris", "Placements, price"),
    "other_levels": ("Øvrige niveauer", "Other levels"),
    "start_gap_placements": ("Startafvigelse, anbringelser", "Start gap, placements"),
    "start_gap_other_levels": ("Startafvigelse, øvrige niveauer", "Start gap, other levels"),
    "start_gap": ("Startafvigelse (modellens niveaufejl)", "Start gap (the model's level error)"),
    "extra_need_placements": ("Merbehov, anbringelser", "Extra need, placements"),
    "extra_need_other_levels": ("Merbehov, øvrige niveauer", "Extra need, other levels"),
    "extra_need": ("Merbehov i alt (ud over startafvigelsen)", "Extra need in all (beyond the start gap)"),
    "required_savings": ("Planens krav om besparelse", "Savings the plan requires"),
    "investment": ("Investering", "Investment"),
    "net_saving": ("Nettobesparelse", "Net saving"),
    "cumulative_net_saving": ("Nettobesparelse, akkumuleret", "Net saving, cumulative"),
    "paid_back": ("Tjent hjem", "Paid back"),
}
"""The domain's terms: levels, placement types, services, what the outcomes measure, flows and counts.

Rows of the account tables and the command line's budget frame, and the
words outcome labels are made of. Keyed by the model's own names.
"""

WORDS = {
    "title": ("Rapport", "Report"),
    "experiment": ("Eksperiment", "Experiment"),
    "what_was_run": ("Hvad blev kørt", "What was run"),
    "key_answer": ("Svaret", "The answer"),
    "tables": ("Tabeller", "Tables"),
    "plots": ("Figurer", "Plots"),
    "assumptions": ("Antagelser", "Assumptions"),
    "manifest": ("Manifest", "Manifest"),
    "published": ("Offentliggjorte tal", "Published figures"),
    "variant": ("Scenarie", "Variant"),
    "variants": ("Scenarier", "Variants"),
    "row": ("Post", "Item"),
    "year": ("År", "Year"),
    "median": ("Median", "Median"),
    "p5": ("5 %", "5%"),
    "p95": ("95 %", "95%"),
    "p25": ("25 %", "25%"),
    "p75": ("75 %", "75%"),
    "interval90": ("90 %-interval", "90% interval"),
    "and_interval": ("og 90 %-interval", "and 90% interval"),
    "p_lower_note": ("andelen af gentagelser, hvor scenariet giver et lavere tal end grundscenariet; "
                     "for udgifter sandsynligheden for en besparelse",
                     "the share of replications in which the variant is lower than the baseline; "
                     "for spend the probability of a saving"),
    "band50": ("50 %-interval", "50% interval"),
    "p_lower": ("P(lavere)", "P(lower)"),
    "difference": ("Forskel fra", "Difference from"),
    "replications": ("Gentagelser", "Replications"),
    "years": ("År", "Years"),
    "seed": ("Startværdi (seed)", "Seed"),
    "uncertainty": ("Usikkerhed", "Uncertainty"),
    "started": ("Startet", "Started"),
    "version": ("barnesim-version", "barnesim version"),
    "parameter": ("Parameter", "Parameter"),
    "meaning": ("Betydning", "Meaning"),
    "low": ("Fra", "Low"),
    "high": ("Til", "High"),
    "published_value": ("Offentliggjort", "Published"),
    "unit": ("Enhed", "Unit"),
    "range": ("Spænd", "Range"),
    "source": ("Kilde", "Source"),
    "value": ("Værdi", "Value"),
    "field": ("Felt", "Field"),
    "target": ("Mål", "Target"),
    "days": ("dage", "days"),
    "thousand_kr": ("1.000 kr.", "1,000 kr"),
    "mio_kr": ("mio. kr.", "mio kr"),
    "persons": ("personer", "persons"),
    "cases": ("sager", "cases"),
    "percent": ("%", "%"),
    "count": ("antal", "count"),
    "flows": ("Forløb", "Flows"),
    "caseworkers": ("Rådgivere og sager", "Caseworkers and cases"),
    "services": ("Familiehus og DUT", "Familiehus and DUT"),
    "parameters": ("Parametre", "Parameters"),
    "levers": ("Det, scenarierne ændrer", "What the variants change"),
    "ranged": ("Antagelser med spænd", "Assumptions with a range"),
    "timeline": ("Beslutninger over tid", "Decisions over time"),
    "date": ("Dato", "Date"),
    "note": ("Note", "Note"),
    "lower": ("lavere", "lower"),
    "higher": ("højere", "higher"),
    "wait_distribution": ("Ventetid, median pr. gentagelse", "Median wait per replication"),
    "caseload_title": ("Sager pr. rådgiver mod målet", "Caseload against the target"),
    "fan_spend": ("Udgifter pr. niveau", "Spend per level"),
    "fan_placements": ("Anbragte pr. 31. december efter type", "Placed children at 31 December by type"),
    "paired": ("Parret forskel fra", "Paired difference from"),
    "generated": ("Lavet af barnesim", "Made by barnesim"),
    "sensitivity": ("Hvilke antagelser afgør svaret", "Which assumptions drive the answer"),
    "sensitivity_intro": (
        "Alle antagelser med spænd blev varieret på én gang: først Morris-screening af dem alle, så "
        "Sobol-indeks for de stærkeste. μ er den gennemsnitlige ændring i svaret, når antagelsen går fra "
        "den laveste til den højeste ende af sit spænd og de andre står stille (i svarets enhed; fortegnet "
        "siger retningen), μ* det samme uden fortegn (styrken). S1 og ST er antagelsens andel af svarets "
        "varians alene og i samspil med andre (± konfidensinterval). De to sidste kolonner er svaret med "
        "antagelsen i den laveste og den højeste ende af sit spænd, til første orden. Samme tilfældige tal "
        "i alle punkter, så forskellene skyldes antagelserne og ikke held.",
        "Every assumption with a range was varied at once: first Morris screening of them all, then Sobol "
        "indices of the strongest. μ is the mean change in the answer when the assumption goes from the "
        "low to the high end of its range and the others stay (in the answer's unit; its sign says which "
        "way), μ* the same without sign (the strength). S1 and ST are the assumption's share of the "
        "answer's variance alone and with its interactions (± confidence interval). The last two columns "
        "are the answer with the assumption at the low and the high end of its range, to first order. The "
        "same random numbers at every point, so differences are due to the assumptions, not to luck."),
    "sensitivity_answer_note": ("{outcome}, {variant}{difference}, {year}, i {unit}.",
                                "{outcome}, {variant}{difference}, {year}, in {unit}."),
    "minus_baseline": (" minus grundscenariet", " minus the baseline"),
    "noise_note": ("{stage}: Monte Carlo-støj er {share} af variansen mellem punkterne ({replications} "
                   "gentagelser pr. punkt).",
                   "{stage}: Monte Carlo noise is {share} of the variance between points ({replications} "
                   "replications per point)."),
    "tornado": ("Tornado: svaret med hver antagelse i den laveste og den højeste ende af sit spænd",
                "Tornado: the answer with each assumption at the low and the high end of its range"),
    "low_end_bar": ("Antagelsen lavest", "Assumption at its low end"),
    "high_end_bar": ("Antagelsen højest", "Assumption at its high end"),
    "mean_over_points": ("Gennemsnit over punkterne", "Mean over the points"),
    "answer": ("Svar", "Answer"),
    "rank": ("Rang", "Rank"),
    "mu_star": ("Morris μ*", "Morris μ*"),
    "mu_star_conf": ("μ* ±", "μ* ±"),
    "mu": ("Morris μ", "Morris μ"),
    "sigma": ("Morris σ", "Morris σ"),
    "S1": ("Sobol S1", "Sobol S1"),
    "S1_conf": ("S1 ±", "S1 ±"),
    "ST": ("Sobol ST", "Sobol ST"),
    "ST_conf": ("ST ±", "ST ±"),
    "low_end": ("Svar, lav ende", "Answer, low end"),
    "high_end": ("Svar, høj ende", "Answer, high end"),
    "sensitivity_sheet": ("Følsomhed", "Sensitivity"),
    "sensitivity_answers_sheet": ("Følsomhed, svar og støj", "Sensitivity, answers and noise"),
    # the workbook's summary sheet, its chart and the template's columns (issue 25, item 5 and bug 9)
    "summary_sheet": ("Resumé", "Summary"),
    "baseline_scenario": ("grundscenarie {scenario}", "baseline scenario {scenario}"),
    "experiment_title": ("Eksperimentets egen titel", "The experiment's own title"),
    "title_column": ("Overskrift", "Title"),
    "verdicts": ("Svaret over perioden", "The answer over the period"),
    "period_totals": ("Udgifter år for år og over perioden, {unit}",
                      "Spend year by year and over the period, {unit}"),
    "period_totals_note": (
        "Median pr. år; perioden i alt: median og 90 %-interval af summen over årene, gentagelse for "
        "gentagelse. Forskellen fra {baseline} er parret (samme tilfældige tal); P(besparelse) er andelen "
        "af gentagelserne, hvor scenariet koster mindre over perioden.",
        "Median per year; the period in total: median and 90% interval of the sum over the years, "
        "replication by replication. The difference from {baseline} is paired (the same random numbers); "
        "P(saving) is the share of replications in which the variant costs less over the period."),
    "difference_column": ("Forskel fra {baseline}, {first}–{last}",
                          "Difference from {baseline}, {first}–{last}"),
    "difference_chart": ("{outcome}: parret forskel fra {baseline} pr. år ({unit})",
                         "{outcome}: paired difference from {baseline} per year ({unit})"),
    "difference_chart_data": ("Figurens tal: {outcome}, parret forskel fra {baseline} pr. år, {unit}",
                              "The chart's figures: {outcome}, paired difference from {baseline} per year, "
                              "{unit}"),
    "p_higher": ("P(højere)", "P(higher)"),
    "in_use": ("I brug", "In use"),
    "in_use_source": ("Kilde til tallet i brug", "Source of the value in use"),
    "key": ("Nøgle", "Key"),
    "origin_this_file": ("denne fil", "this file"),
    "origin_extended": ("udvidet", "extended"),
    "origin_national_scaled": ("landstal skaleret", "national scaled"),
    "origin_national_default": ("national standardværdi", "national default"),
    "origin_derived": ("afledt", "derived"),
    "answer_level": ("{variant}: {outcome} i {year} er {median} {unit} (90 %-interval {low} til {high}).",
                     "{variant}: {outcome} in {year} is {median} {unit} (90% interval {low} to {high})."),
    "answer_difference": (
        "{variant}: {outcome} i {year} er {size} {unit} {direction} end med {baseline} (90 %-interval for "
        "forskellen {low} til {high}); sandsynligheden for, at det bliver lavere, er {p_lower}.",
        "{variant}: {outcome} in {year} is {size} {unit} {direction} than with {baseline} (90% interval of "
        "the difference {low} to {high}); the probability that it is lower is {p_lower}."),
    "period_total": ("{first}–{last} i alt", "{first}–{last} in total"),
    "tile_level": ("{variant}: {outcome}, {period}", "{variant}: {outcome}, {period}"),
    "tile_difference": ("{variant} minus {baseline}, {period}", "{variant} minus {baseline}, {period}"),
    "tile_interval": ("90 %-interval {low} til {high}", "90% interval {low} to {high}"),
    "tile_net_saving": ("Nettobesparelse mod {plan}, {first}–{last}",
                        "Net saving against {plan}, {first}–{last}"),
    "tile_payback": ("Tjent hjem (median)", "Pays back (median)"),
    "tile_planned": ("planens eget: {planned}", "the plan's own: {planned}"),
    "headline": ("Overblik over perioden", "The period at a glance"),
    # the one-page summary (summary.html), and the headings of it and the report
    "report_heading": ("Rapport: eksperimentet {name}", "Report: the experiment {name}"),
    "summary_heading": ("Resumé: eksperimentet {name}", "Summary: the experiment {name}"),
    "question": ("Spørgsmålet", "The question"),
    "decisions": ("Beslutningerne", "The decisions"),
    "no_change": ("scenariet, som det er", "the scenario as it is"),
    "summary_chart": ("Forskel fra {baseline} pr. år i {outcome}: median og 90 %-interval",
                      "Difference from {baseline} per year in {outcome}: median and 90% interval"),
    "summary_table": ("Udgifter pr. år i mio. kr. (median): {baseline}, og hvert scenaries forskel fra det",
                      "Spend per year in mio kr (median): {baseline}, and each variant's difference from it"),
    "variant_minus": ("{variant} minus {baseline}", "{variant} minus {baseline}"),
    "summary_assumptions": ("De tre antagelser, svaret afhænger mest af",
                            "The three assumptions the answer depends on most"),
    "assumption_line": (
        "{parameter} ({low} til {high}): {low_end} {unit} ved den lave ende, {high_end} {unit} ved den høje.",
        "{parameter} ({low} to {high}): {low_end} {unit} at the low end, {high_end} {unit} at the high end."),
    "assumptions_of": ("Fra følsomhedsanalysen af svaret »{answer}«:",
                       "From the sensitivity analysis of the answer \"{answer}\":"),
    "not_analysed": (
        "Ikke analyseret: kørslen havde ingen følsomhedsanalyse, så det er ikke undersøgt, hvilke antagelser "
        "svaret afhænger mest af. Kør eksperimentet sensitivity_staffing, eller giv eksperimentet en "
        "[sensitivity]-sektion (se docs/sensitivity.md).",
        "Not analysed: the run had no sensitivity analysis, so which assumptions the answer depends on most "
        "was not examined. Run the experiment sensitivity_staffing, or give the experiment a [sensitivity] "
        "section (see docs/sensitivity.md)."),
    "summary_more": ("Alt andet – alle udfald, figurer, antagelser og manifestet – står i",
                     "Everything else – every outcome, figure, assumption and the manifest – is in"),
    "answer_same": (
        "{variant}: {outcome} i {year} er det samme som med {baseline} i hver gentagelse.",
        "{variant}: {outcome} in {year} is the same as with {baseline} in every replication."),
    "against_plan": ("Mod planen", "Against the plan"),
    "plan": ("Plan", "Plan"),
    "p_above_zero": ("P(over nul)", "P(above zero)"),
    "not_within": ("ikke inden for perioden", "not within the horizon"),
    "against_plan_note": (
        "Plan: planens eget tal. Median og 90 %-interval: simuleret minus planen (merbehov); for "
        "nettobesparelsen planens krav minus merbehov minus investering. 1.000 kr.",
        "Plan: the plan's own figure. Median and 90% interval: simulated minus the plan (extra need); for "
        "the net saving the required savings less the extra need less the investment. 1,000 kr."),
    "verdict": (
        "Mod {plan} ({first}–{last}): den samlede nettobesparelse er {median} {unit} (90 %-interval {low} "
        "til {high}); sandsynligheden for, at den er over nul, er {p}. Planen er tjent hjem i {planned}; "
        "{paid} af gentagelserne er tjent hjem i {last} (tilbagebetalingsår, median: {median_year}).",
        "Against {plan} ({first}–{last}): the cumulative net saving is {median} {unit} (90% interval {low} "
        "to {high}); the probability that it is above zero is {p}. The plan pays back in {planned}; "
        "{paid} of the replications have paid back by {last} (payback year, median: {median_year})."),
    "table_note": (
        "Median over gentagelserne og under den 90 %-intervallet (5 % – 95 %). I tabellerne over forskelle "
        "er P sandsynligheden for, at scenariet giver et lavere tal end grundscenariet. Alle udfald og år "
        "står i regnearket.",
        "Median over the replications with the 90% interval (5% – 95%) below it. In the tables of "
        "differences, P is the probability that the variant is lower than the baseline. Every outcome and "
        "year is in the workbook."),
    "budget": ("Budget", "Budget"),
    "answer_budget": (
        "{variant} mod budgettet: sandsynligheden for at overskride det samlede budget er {by_year}; "
        "oftest overskredet: {level} ({p} i {year}).",
        "{variant} against its budget: the probability of overspending the total budget is {by_year}; "
        "most often overspent: {level} ({p} in {year})."),
    "in_year": ("{p} i {year}", "{p} in {year}"),
    "p_overspend": ("P(overskridelse)", "P(overspend)"),
    "budget_note": (
        "Budget: kommunens eget ({source}). Median og 90 %-interval: de simulerede udgifter. "
        "P(overskridelse): andelen af gentagelserne, hvor udgiften er over budgettet. I alt: de niveauer, "
        "budgettet har det år. 1.000 kr., {prices}.",
        "Budget: the municipality's own ({source}). Median and 90% interval: the simulated spend. "
        "P(overspend): the share of replications in which the spend is above the budget. Total: the levels "
        "the budget holds that year. 1,000 kr, {prices}."),
    "prices": ("Priser", "Prices"),
    "current_prices": ("løbende priser", "current prices"),
    "fixed_prices": ("faste {year}-priser (p/l)", "fixed {year} prices (p/l)"),
    "app_title": ("barnesim: børne- og ungeområdets økonomi", "barnesim: child welfare flows and budget"),
    "other_language": ("English", "Dansk"),
    "start": ("Start fra scenarie", "Start from scenario"),
    "upload": ("Upload scenarie (TOML eller Excel-skabelon)",
               "Upload a scenario (TOML or the Excel template)"),
    "template": ("Hent Excel-skabelon", "Download the Excel template"),
    "template_profile": ("Hent Excel-skabelon ud fra befolkningen (landstal)",
                         "Download the Excel template from the population (national figures)"),
    "template_note": (
        "Udfyld arket 'parameters' med kommunens egne tal: Værdi (og Fra og Til for en antagelse) og "
        "Kilde. En tom række bruger tallet i 'I brug', der kommer fra 'Kommer fra': en fil, der udvides, "
        "landstal skaleret til befolkningen, en national standardværdi eller en afledt værdi. Lad "
        "Parameter stå.",
        "Fill in the sheet 'parameters' with the municipality's own figures: value (and low and high for an "
        "assumption) and source. An empty row uses the number in in_use, which comes from origin: a file "
        "extended, national figures scaled to the population, a national default or a derived value. "
        "Leave path as it is."),
    "template_extends": ("Scenariet, skabelonen udvider; tom: kun landstal under kommunens egne tal",
                         "The scenario the template extends; empty: national figures alone under your own"),
    "template_name": ("Det nye scenaries navn", "The new scenario's name"),
    "template_title": ("Det nye scenaries titel", "The new scenario's title"),
    "template_start_date": ("Startdato (ÅÅÅÅ-MM-DD)", "Start date (YYYY-MM-DD)"),
    "template_municipality": ("Kommunens navn", "The municipality's name"),
    "template_children_0_22": ("Børn og unge 0-22 år i kommunen (Danmarks Statistik, FOLK1A)",
                               "Children and young people aged 0-22 in the municipality (Statistics "
                               "Denmark, FOLK1A)"),
    "origin": ("Kommer fra", "Comes from"),
    "borrowed": ("Offentliggjorte tal fra en anden kommunes fil", "Published figures from another "
                 "municipality's file"),
    "uploaded": ("Uploadet og valgt", "Uploaded and chosen"),
    "name": ("Scenariets navn", "Scenario name"),
    "run": ("Kør", "Run"),
    "running": ("{done} af {total} kørsler", "{done} of {total} runs"),
    "finished": ("Færdig: {folder}", "Finished: {folder}"),
    "failed": ("Kørslen stoppede", "The run stopped"),
    "uploading": ("Læser filen …", "Reading the file …"),
    "upload_failed": ("Filen kunne ikke læses", "The file could not be read"),
    "session_error": ("Det lykkedes ikke ({error}). Appen kører videre med alt, hvad du har indtastet; "
                      "ret det nævnte og prøv igen.",
                      "That did not work ({error}). The app carries on with everything you have entered; "
                      "correct what is named and try again."),
    "levers_tab": ("Håndtag", "Levers"),
    "results": ("Resultater", "Results"),
    "compare": ("Sammenlign", "Compare"),
    "group_decisions": ("Beslutninger", "Decisions"),
    "group_demand": ("Efterspørgsel", "Demand"),
    "group_prices": ("Prisudvikling pr. anbringelsestype", "Price drift per placement type"),
    "group_assumptions": ("Øvrige antagelser (inden for deres spænd)",
                          "Other assumptions (within their ranges)"),
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
    "run_label": ("{variants} mod {baseline} · {years} år · {replications} gentagelser · {started}",
                  "{variants} against {baseline} · {years} years · {replications} replications · {started}"),
    "making_report": ("laver rapporten …", "making the report …"),
    "time_left": ("ca. {time} tilbage", "about {time} left"),
    "unchanged": ("Ingen håndtag er ændret fra startscenariet {start}.",
                  "No lever is changed from the start scenario {start}."),
    "changed": ("Ændret fra startscenariet {start}:", "Changed from the start scenario {start}:"),
    "changed_mark": ("ændret", "changed"),
    "reset": ("Nulstil", "Reset"),
    "reset_all": ("Nulstil alle", "Reset all"),
    "percent_per_year": ("% pr. år", "% per year"),
    "profile": ("Forløb", "Profile"),
    "profile_step": ("Trin på datoen", "Step on the date"),
    "profile_ramp": ("Lineær overgang", "Linear ramp"),
    "until": ("nået den", "reached on"),
    "compare_runs": ("Sammenlign gemte kørsler", "Compare saved runs"),
    "compare_runs_none": ("Der skal være mindst to færdige kørsler for at sammenligne.",
                          "At least two finished runs are needed to compare."),
    "compare_runs_choose": ("Kørsler", "Runs"),
    "runs_compared": ("Forskel fra hver kørsels grundscenarie, median med 90 %-interval under: {outcome} "
                      "({unit})", "Difference from each run's baseline, median with the 90% interval "
                      "below: {outcome} ({unit})"),
    "against": ("{variant} mod {baseline}", "{variant} against {baseline}"),
    "a_run": ("Kørsel", "Run"),
    "explainer": ("Hvad betyder en kørsel?", "What does a run mean?"),
    "explainer_run": (
        "En kørsel simulerer hvert scenarie mange gange (gentagelser): de samme børn og beslutninger, men "
        "med tilfældighed i, hvornår børn findes, hvor længe foranstaltninger varer, og hvad der sker "
        "bagefter. Tallene er derfor fordelinger, ikke ét tal: medianen er den midterste gentagelse.",
        "A run simulates each scenario many times (replications): the same children and decisions, with "
        "chance in when children are found, how long measures last and what happens next. So the numbers "
        "are distributions, not one number: the median is the middle replication."),
    "explainer_paired": (
        "Parret sammenligning: hvert scenarie deler børn og tilfældighed med grundscenariet, gentagelse for "
        "gentagelse. Forskellen i hver gentagelse skyldes derfor beslutningen, ikke støj. P(besparelse > 0) "
        "er andelen af gentagelserne, hvor scenariet koster mindre end grundscenariet.",
        "Paired comparison: each scenario shares its children and their luck with the baseline, replication "
        "by replication, so the difference in each replication is the decision's, not noise. P(saving > 0) "
        "is the share of replications in which the scenario costs less than the baseline."),
    "explainer_interval": (
        "90 %-intervallet går fra den 5. til den 95. percentil af gentagelserne: 9 ud af 10 gentagelser "
        "ligger inden for det. Det viser usikkerheden fra tilfældighed (og, hvis valgt, fra antagelserne); "
        "få gentagelser giver et groft interval.",
        "The 90% interval runs from the 5th to the 95th percentile of the replications: 9 in 10 "
        "replications lie within it. It shows the uncertainty of chance (and, if chosen, of the "
        "assumptions); few replications give a rough interval."),
    "explainer_docs": ("Mere i dokumentationen (docs/montecarlo.md)",
                       "More in the documentation (docs/montecarlo.md)"),
    "no_run": ("Ingen kørsel endnu: vælg håndtag og tryk Kør.", "No run yet: set the levers and press Run."),
    "comparison": ("Parret sammenligning med {baseline}: {outcome} ({unit})",
                   "Paired comparison with {baseline}: {outcome} ({unit})"),
    "difference_median": ("Forskel, median", "Difference, median"),
    "p_saving": ("P(besparelse > 0)", "P(saving > 0)"),
    "download_workbook": ("Hent regneark (Excel)", "Download the workbook (Excel)"),
    "download_report": ("Hent rapport (HTML)", "Download the report (HTML)"),
    "download_summary": ("Hent resumé (én side)", "Download the summary (one page)"),
    "download_bundle": ("Hent scenariefiler, der gentager kørslen",
                        "Download the scenario files that repeat the run"),
    "side_by_side": ("Håndtagene side om side", "The levers side by side"),
    "lever": ("Håndtag", "Lever"),
    "parameter_caseworkers.count": ("Sagsbehandlere (årsværk)", "Caseworkers (full-time)"),
    "parameter_services.familiehus.places": ("Pladser i Familiehuset", "Places at Familiehus"),
    "parameter_services.dut.places": ("Pladser i DUT (kontaktpersoner)", "Places at DUT (contact persons)"),
    "parameter_reform.practised": ("Fællesskabsmodellen praktiseres (1: ja, 0: nej)",
                                   "Practising Fællesskabsmodellen (1: yes, 0: no)"),
    "parameter_reporting.intensity": ("Underretningsintensitet (1: som ved start)",
                                      "Reporting intensity (1: as at the start)"),
    "parameter_need.growth_per_year": ("Vækst i børn med behov pr. år",
                                       "Growth of children in need per year"),
    "parameter_reporting.growth_per_year": ("Vækst i underretningsintensitet pr. år",
                                            "Growth of reporting intensity per year"),
}
"""Every other word: headings, units, sentences and notes of the report, the workbook, the plots and the app.

A word may hold ``{names}`` that its user fills in (``str.format``); both
languages hold the same ones.
"""

COLUMNS = {"path": "parameter", "scenario": "variant", "published": "published_value", "reference": "row",
           "budget_kr": "budget"}
"""Columns of the run's tables named by another word of the report."""

UNITS = {
    "0 or 1": "0 eller 1", "ages": "alder", "cases": "sager", "cases per caseworker": "sager pr. rådgiver",
    "children": "børn", "days": "dage", "elasticity": "elasticitet", "families": "familier",
    "families per year": "familier pr. år", "fraction": "andel", "fraction of caseworker salaries":
    "andel af rådgivernes løn", "fraction per year": "andel pr. år",
    "full-time caseworkers": "rådgivere (årsværk)",
    "hours": "timer", "investigations per caseworker": "undersøgelser pr. rådgiver",
    "kr per place-year": "kr. pr. pladsår", "kr per year": "kr. pr. år", "measures": "foranstaltninger",
    "measures per child": "foranstaltninger pr. barn", "months": "måneder",
    "notifications per child": "underretninger pr. barn", "per family per year": "pr. familie pr. år",
    "notifications per year": "underretninger pr. år", "per child per year": "pr. barn pr. år",
    "persons": "personer", "placement type": "anbringelsestype", "places": "pladser",
    "ratio": "forhold", "share": "andel", "share of the need": "andel af behovet",
    "share per age band": "andel pr. aldersgruppe", "years": "år",
}
"""The schema's units (English, as docs/parameters.md gives them) in Danish, for Danish screens and files."""

UNCERTAINTY = {
    "stochastic": ("tilfældighed i forløbene (parametre faste)", "chance in the flows (parameters fixed)"),
    "parameters": ("tilfældighed og antagelser trukket i deres spænd",
                   "chance and assumptions drawn in their ranges"),
}
"""What a run's intervals cover, by its ``uncertainty`` setting."""


@dataclass(frozen=True)
class Labels:
    """The words and number style of one language."""

    lang: str

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f'"lang" must be one of {list(LANGUAGES)}, got {self.lang!r}')

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[LANGUAGES.index(self.lang)]

    def word(self, key: str) -> str:
        """A heading or word (``KeyError`` for a key that was never written: a bug, not input)."""
        return self._pick(WORDS[key])

    def heading(self, key: str) -> str:
        """A table's heading: a word (``flows``) or a term (``spend``, ``full_year_persons``)."""
        return self._pick(WORDS[key] if key in WORDS else TERMS[key])

    def column(self, name: str) -> str:
        """A column of a plain table (parameters, decisions, published figures); the name if unknown."""
        key = COLUMNS.get(name, name)
        return self._pick(WORDS[key]) if key in WORDS else name

    def row(self, name: str) -> str:
        """A term: a level, placement type, service, flow or count; the name itself if it has none.

        A scenario may name a service of its own, which has no term until
        someone writes one; it shows under its name meanwhile.
        """
        return self._pick(TERMS[name]) if name in TERMS else name

    def unit(self, unit: str) -> str:
        """A parameter's unit in the language (the schema writes it in English)."""
        return UNITS.get(unit, unit) if self.lang == "da" else unit

    def uncertainty(self, kind: str) -> str:
        """What the intervals cover."""
        return self._pick(UNCERTAINTY[kind]) if kind in UNCERTAINTY else kind

    def number(self, value: float, decimals: int = 0) -> str:
        """``value`` as the language writes it: 12.345,6 in Danish, 12,345.6 in English; '–' for none."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = f"{value:,.{decimals}f}"
        if text in ("-0", "-0.0", "-0.00"):
            text = text[1:]
        if self.lang == "da":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text.replace("-", "−")

    def prices(self, level: dict) -> str:
        """The price level a manifest records (:func:`sim.output.prices.price_level`) in words."""
        if level.get("prices") == "fixed":
            return self.word("fixed_prices").format(year=level["price_year"])
        return self.word("current_prices")

    def percent(self, share: float) -> str:
        """A probability or share in whole per cent: '83 %' in Danish, '83%' in English."""
        text = self.number(share * 100, 0)
        return f"{text} %" if self.lang == "da" else f"{text}%"
