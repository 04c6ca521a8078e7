"""The fixed part of the demo: names, the support network's shape, products and plans.

Plain data, read by ``escalade.demo.generator``; edit here to change what the demo shows.
"""

from dataclasses import dataclass

from escalade.contracts.models import Channel
from escalade.core.roles import Role
from escalade.customers.models import Segment
from escalade.network.models import OrganizationKind


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


# --- Names -------------------------------------------------------------------------------
# Accented names on purpose: the console's search is accent-blind ("lefevre" finds Lefèvre).

FIRST_NAMES = {
    "fr": _names(
        "Marie, Jean, Pierre, Bérénice, Hélène, Élodie, Inès, Noël, Théo, Zoé, Chloé, Léa, "
        "Jérôme, Stéphane, Frédéric, Amélie, Céline, Anaïs, François, Gaëlle, Loïc, Benoît, "
        "Clément, Sébastien, Camille, Nicolas, Julien, Sophie, Claire, Thomas, Lucas, Manon, "
        "Emma, Louis, Hugo, Arthur, Juliette, Margaux, Aurélie, Raphaël, Maëlle, Océane, "
        "Valérie, Thérèse, Agnès, Rémi, Cécile, Mélanie, Léon, Anne, Paul, Alain, Isabelle"
    ),
    "en": _names(
        "Oliver, George, Harry, Jack, Charlotte, Amelia, Olivia, Emily, Sophie, James, "
        "William, Thomas, Jessica, Hannah, Daniel, Matthew, Sarah, Laura, Rebecca, Michael, "
        "Emma, Grace, Chloe, Samuel, Benjamin, Lucy, Alice, Henry, Edward, Isla, Freya, "
        "Zoë, Renée, Chloë"
    ),
    "de": _names(
        "Lukas, Jonas, Leon, Finn, Felix, Maximilian, Paul, Jürgen, Jörg, Günter, Björn, "
        "Sören, Anna, Lena, Leonie, Hannah, Marie, Lea, Sophie, Käthe, Uwe, Dörte, Mareike, "
        "Ulrike, Katrin, Tobias, Matthias, Stefan, Andreas, Sabine, Birgit, Jörn, Bärbel, "
        "Moritz, Till, Annika, Frauke, Hendrik"
    ),
    "ie": _names("Siobhán, Seán, Niamh, Aoife, Ciarán, Éamon, Sinéad, Pádraig, Róisín, Orla"),
    "ma": _names(
        "Youssef, Fatima-Zahra, Mehdi, Salma, Karim, Imane, Omar, Nadia, Hamza, Soukaïna, "
        "Anas, Meryem, Rachid, Houda"
    ),
    "sn": _names(
        "Moussa, Aïssatou, Mamadou, Fatou, Ousmane, Awa, Cheikh, Khady, Ibrahima, Mariama, "
        "Abdoulaye, Ndèye"
    ),
    "pt": _names(
        "João, Inês, Tiago, Beatriz, Rui, Mariana, Gonçalo, Leonor, Duarte, Matilde, André, Sofia"
    ),
}
LAST_NAMES = {
    "fr": _names(
        "Martin, Bernard, Dubois, Lefèvre, Lefebvre, Moreau, Laurent, Simon, Michel, Garnier, "
        "Durand, Dupont, Faure, Rousseau, Girard, Bonnet, Mercier, Boyer, Chevalier, Lambert, "
        "Fontaine, Roussel, Leclerc, Gauthier, Perrin, Morel, Caron, Brunet, Lemaître, Côté, "
        "Bérard, Hébert, Ménard, Thibault, Gérard, Béranger, Noël, Lévêque, Carré, Guérin, "
        "Chéron, Delacroix, Marchand, Renaud, Rolland, Aubert, Besnard, Prévost, Hérault"
    ),
    "en": _names(
        "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, "
        "Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, "
        "O'Brien, O'Neill, McCarthy, Patel, Khan, Murphy, Kelly, Byrne, Hughes, Edwards, "
        "Turner, Baker, Cooper, Harris, Lewis, Morgan, Price"
    ),
    "de": _names(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, "
        "Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, "
        "Braun, Krüger, Hofmann, Hartmann, Lange, Schmitt, Werner, Krause, Meier, Lehmann, "
        "Köhler, Jäger, Weiß, Böhm, Günther, Groß, Vogel, Frank, Fuchs, Roth, Sommer"
    ),
    "ie": _names(
        "Murphy, Kelly, O'Sullivan, Walsh, O'Brien, Byrne, Ryan, O'Connor, Ó Briain, "
        "Mac Giolla, Doyle, Ní Bhriain"
    ),
    "ma": _names(
        "El Amrani, Benali, Bennani, Alaoui, Tazi, Berrada, El Idrissi, Chraïbi, Fassi, "
        "Lahlou, Ouazzani, Benjelloun"
    ),
    "sn": _names("Diop, Ndiaye, Fall, Sow, Diallo, Sarr, Faye, Gueye, Ba, Sy, Cissé, Mbaye"),
    "pt": _names(
        "Silva, Santos, Gonçalves, Conceição, Ferreira, Pereira, Costa, Rodrigues, Martins, "
        "Sousa, Fernandes, Magalhães"
    ),
}
JOB_TITLES = {
    "fr": _names(
        "Responsable informatique, DSI, Technicien support, Administrateur systèmes, "
        "Comptable, Directeur général, Chef de projet, Responsable des achats, Assistante "
        "de direction, Ingénieur réseau"
    ),
    "en": _names(
        "IT Manager, Systems Administrator, Office Manager, CTO, Support Engineer, "
        "Finance Director, Project Manager, Network Engineer, Operations Lead"
    ),
    "de": _names(
        "IT-Leiter, Systemadministrator, Geschäftsführer, Buchhalterin, Projektleiterin, "
        "Netzwerktechniker, Einkaufsleiter, Büroleiterin"
    ),
}
BIRTH_CITIES = _names(
    "Besançon, Orléans, Nîmes, Saint-Étienne, Lyon, Quimper, Leeds, Bristol, Cork, "
    "München, Köln, Düsseldorf, Lübeck, Boston, Montréal, Genève"
)

# Company names: {last} is a family name, {sector} and {place} come from the lists below.
COMPANY_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "FR": {
        "sector": _names(
            "Industrie, Transports, Bâtiment, Assurances, Boulangeries, Hôtellerie, "
            "Pharmacie, Énergie, Logistique, Conseil, Imprimerie, Mécanique, Électricité, "
            "Menuiserie, Télécom, Santé, Agroalimentaire, Informatique, Immobilier, "
            "Métallurgie"
        ),
        "place": _names(
            "Lumière, Horizon, Étoile, Azur, Atlantique, Océane, Alpine, Rhône, Périgord, "
            "Léman, Bretagne, Provence, Vallée, Forêt, Château"
        ),
        "patterns": _names(
            "{last} {sector}, {sector} {last}, {last} & Fils, Groupe {last}, {sector} {place}, "
            "Banque {place}, Clinique {place}, Cabinet {last}, {last} {sector} SAS, "
            "{last}-{last2} SARL"
        ),
    },
    "GB": {
        "sector": _names(
            "Logistics, Engineering, Holdings, Systems, Foods, Consulting, Insurance, Retail, "
            "Analytics, Building, Haulage, Print, Software, Energy, Healthcare"
        ),
        "place": _names(
            "Thames, Pennine, Cotswold, Mersey, Highland, Severn, Albion, Northgate, "
            "Kingsway, Riverside"
        ),
        "patterns": _names(
            "{last} & Sons Ltd, {place} {sector} Ltd, {last} {sector} plc, {last} {last2} LLP, "
            "{place} {sector}"
        ),
    },
    "DE": {
        "sector": _names(
            "Maschinenbau, Logistik, Versicherungen, Bäckerei, Elektrotechnik, Stahlbau, "
            "Software, Brauerei, Gerätebau, Haustechnik, Druckerei, Energie, Möbelwerke, "
            "Metallbau"
        ),
        "place": _names(
            "Köln, München, Düsseldorf, Nürnberg, Lübeck, Würzburg, Görlitz, Tübingen, "
            "Münster, Osnabrück"
        ),
        "patterns": _names(
            "{last} {sector} GmbH, {sector} {place} AG, {last} & {last2} KG, Stadtwerke {place}, "
            "{last} GmbH & Co. KG"
        ),
    },
    "US": {
        "sector": _names(
            "Technologies, Logistics, Health, Systems, Partners, Foods, Manufacturing, "
            "Financial, Solutions, Labs"
        ),
        "place": _names(
            "Pinnacle, Liberty, Summit, Hudson, Cascade, Patriot, Keystone, Evergreen, "
            "Redwood, Bayview"
        ),
        "patterns": _names("{last} {sector} Inc., {place} {sector} LLC, {place} Corp."),
    },
}
LEGAL_WORDS = frozenset(
    _names("sa, sas, sarl, ltd, plc, llp, gmbh, ag, kg, co, inc, llc, corp, groupe, fils, sons")
)
MAIL_PROVIDERS = {
    "FR": ("orange.example", "free.example", "laposte.example"),
    "GB": ("btinternet.example", "mail.example"),
    "DE": ("gmx.example", "web.example"),
    "US": ("gmail.example", "outlook.example"),
}
COUNTRY_LANGUAGE = {"FR": "fr", "GB": "en", "DE": "de", "US": "en"}
# Shares of accounts by country (cumulative weights for random.choices).
COUNTRIES = ("FR", "GB", "DE", "US")
COUNTRY_WEIGHTS = (60, 20, 17, 3)
PREMIER_SHARE = 0.04
PERSON_SHARE = 0.15

# Phone ranges where every number is valid for libphonenumber (checked by the tests):
# (prefix, free digits). Numbers are spread over each range by a bijection mod 10**digits,
# so they never repeat.
PHONE_RANGES: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("FR", "office"): (("+331", 8), ("+333", 8), ("+3341", 7), ("+3342", 7), ("+3345", 7)),
    ("FR", "mobile"): (("+3361", 7), ("+3362", 7), ("+3367", 7), ("+3377", 7), ("+3378", 7)),
    ("GB", "office"): (("+44207", 7), ("+44208", 7), ("+44161", 7)),
    ("GB", "mobile"): (("+44771", 7), ("+44772", 7)),
    ("DE", "office"): (("+4930", 8), ("+4989", 8), ("+4940", 8)),
    ("DE", "mobile"): (("+49151", 8), ("+49160", 8), ("+49171", 8)),
    ("US", "office"): (("+12122", 6), ("+12123", 6), ("+16175", 6)),
    ("US", "mobile"): (("+12124", 6), ("+12125", 6)),
}


# --- The network -------------------------------------------------------------------------

TIERS = (
    ("L1", "Frontline support"),
    ("L2", "Specialist support"),
    ("RSC", "Regional support center"),
    ("L3", "Product group"),
)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
# name, time zone, opening, closing, public holidays of
CALENDARS = (
    ("France business hours", "Europe/Paris", "09:00", "18:00", "FR"),
    ("UK business hours", "Europe/London", "09:00", "17:30", "GB"),
    ("Germany business hours", "Europe/Berlin", "08:00", "17:00", "DE"),
    ("US Eastern business hours", "America/New_York", "09:00", "17:00", "US"),
)
ALWAYS_OPEN = "24 × 7 (Paris)"

FRANCE = "Escalade France"
CALLWAVE = "Callwave"
TELIA = "Telia Assist"
NORDLINE = "Nordline Services"
EMEA = "EMEA Regional Support Center"
BOSTON = "Product Group – Boston"
# name, kind, country, countries served
ORGANIZATIONS = (
    (FRANCE, OrganizationKind.COUNTRY_CENTER, "FR", ()),
    (CALLWAVE, OrganizationKind.PARTNER, "FR", ()),
    (TELIA, OrganizationKind.PARTNER, "FR", ()),
    (NORDLINE, OrganizationKind.PARTNER, "FR", ()),
    (EMEA, OrganizationKind.REGIONAL_CENTER, "IE", ("FR", "GB", "DE")),
    (BOSTON, OrganizationKind.PRODUCT_GROUP, "US", ()),
)
# organisation, site, country, time zone, calendar
SITES = (
    (FRANCE, "Paris", "FR", "Europe/Paris", "France business hours"),
    (CALLWAVE, "Lille", "FR", "Europe/Paris", "France business hours"),
    (CALLWAVE, "Casablanca", "MA", "Africa/Casablanca", "France business hours"),
    (CALLWAVE, "Lisbon", "PT", "Europe/Lisbon", "UK business hours"),
    (TELIA, "Lyon", "FR", "Europe/Paris", "France business hours"),
    (TELIA, "Porto", "PT", "Europe/Lisbon", "Germany business hours"),
    (NORDLINE, "Brest", "FR", "Europe/Paris", "France business hours"),
    (NORDLINE, "Dakar", "SN", "Africa/Dakar", "France business hours"),
    (EMEA, "Dublin", "IE", "Europe/Dublin", ALWAYS_OPEN),
    (BOSTON, "Boston", "US", "America/New_York", "US Eastern business hours"),
)


@dataclass(frozen=True, slots=True)
class TeamSpec:
    organization: str
    site: str
    tier: str
    team: str
    queue: str
    language: str  # the queue's language skill
    agents: int  # besides supervisors and personas
    supervisors: int
    names: str  # pool of first and last names
    extra_language: str = ""  # spoken but not a routing skill


# 270 people at the country center and its partners (with the personas), 23 beyond.
TEAMS = (
    TeamSpec(FRANCE, "Paris", "L1", "Paris L1 Premier", "FR L1 Premier – Paris", "fr", 20, 1, "fr"),
    TeamSpec(FRANCE, "Paris", "L2", "Paris L2", "FR L2 – Paris", "fr", 30, 2, "fr"),
    TeamSpec(
        CALLWAVE, "Lille", "L1", "Callwave Lille L1", "FR L1 – Callwave Lille", "fr", 39, 2, "fr"
    ),
    TeamSpec(
        CALLWAVE,
        "Casablanca",
        "L1",
        "Callwave Casablanca L1",
        "FR L1 – Callwave Casablanca",
        "fr",
        34,
        2,
        "ma",
        "ar",
    ),
    TeamSpec(
        CALLWAVE,
        "Lisbon",
        "L1",
        "Callwave Lisbon L1",
        "EN L1 – Callwave Lisbon",
        "en",
        22,
        2,
        "pt",
        "pt",
    ),
    TeamSpec(TELIA, "Lyon", "L1", "Telia Lyon L1", "FR L1 – Telia Assist Lyon", "fr", 32, 2, "fr"),
    TeamSpec(
        TELIA,
        "Porto",
        "L1",
        "Telia Porto L1",
        "DE L1 – Telia Assist Porto",
        "de",
        22,
        2,
        "pt",
        "pt",
    ),
    TeamSpec(
        NORDLINE, "Brest", "L1", "Nordline Brest L1", "FR L1 – Nordline Brest", "fr", 28, 2, "fr"
    ),
    TeamSpec(
        NORDLINE,
        "Dakar",
        "L1",
        "Nordline Dakar L1",
        "FR L1 – Nordline Dakar",
        "fr",
        22,
        2,
        "sn",
        "wo",
    ),
    TeamSpec(EMEA, "Dublin", "RSC", "RSC Dublin", "EMEA RSC – Dublin", "en", 13, 1, "ie"),
    TeamSpec(BOSTON, "Boston", "L3", "L3 Boston", "L3 – Product Group Boston", "en", 8, 0, "en"),
)


@dataclass(frozen=True, slots=True)
class Persona:
    username: str
    first: str
    last: str
    role: Role
    team: str


PERSONAS = (
    Persona("admin", "Hélène", "Garnier", Role.ADMINISTRATOR, "Paris L2"),
    Persona("supervisor", "Sophie", "Bernard", Role.SUPERVISOR, "Paris L1 Premier"),
    Persona("agent", "Inès", "Martin", Role.INTERNAL_AGENT, "Paris L1 Premier"),
    Persona("partner", "Paul", "Lefèvre", Role.PARTNER_AGENT, "Callwave Lille L1"),
    Persona("engineer", "Seán", "O'Brien", Role.ENGINEER, "RSC Dublin"),
)
CUSTOMER_PERSONA = ("customer", "Bérénice", "Lefèvre")
# The first accounts are always these, so the README can name them.
SHOWCASE = (
    ("Dupont Industrie", "FR", Segment.STANDARD),
    ("Banque Lumière", "FR", Segment.PREMIER),
    ("Müller Maschinenbau GmbH", "DE", Segment.STANDARD),
    ("Thames Logistics Ltd", "GB", Segment.STANDARD),
)

# --- Catalogue and plans -------------------------------------------------------------------

PRODUCTS = (
    ("ORBIT", "Orbit Server", "Servers", ("6.4", "7.1", "7.2")),
    ("NOVA", "Nova Desktop", "Desktop", ("11", "12")),
    ("ATLAS", "Atlas Database", "Data", ("3.5", "4.0", "4.1", "5.0")),
    ("HELIX", "Helix Backup", "Data", ("9.2", "10.0")),
    ("PULSAR", "Pulsar Monitoring", "Operations", ("2.4", "3.0", "3.1")),
    ("VEGA", "Vega Mail", "Collaboration", ("5.1", "6.0")),
    ("LYRA", "Lyra CRM", "Business applications", ("2024.1", "2024.2", "2025.1")),
    ("QUASAR", "Quasar Firewall", "Security", ("8.1", "9.0", "9.1")),
)
# French L1 is split between partners by product; English and German by language.
FR_PARTNER_BY_PRODUCT = {
    "ORBIT": CALLWAVE,
    "ATLAS": CALLWAVE,
    "HELIX": CALLWAVE,
    "NOVA": TELIA,
    "VEGA": TELIA,
    "LYRA": TELIA,
    "PULSAR": NORDLINE,
    "QUASAR": NORDLINE,
}
PARTNER_BY_COUNTRY = {"GB": CALLWAVE, "US": CALLWAVE, "DE": TELIA}
PID_CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud over the phone

BASIC_CHANNELS = [Channel.PHONE.value, Channel.EMAIL.value, Channel.WEB.value]
# code, name, calendar
STANDARD_PLANS = (
    ("STD-FR", "Standard business hours FR", "France business hours"),
    ("STD-UK", "Standard business hours UK", "UK business hours"),
    ("STD-DE", "Standard business hours DE", "Germany business hours"),
    ("STD-US", "Standard business hours US", "US Eastern business hours"),
)
PLAN_BY_COUNTRY = {"FR": "STD-FR", "GB": "STD-UK", "DE": "STD-DE", "US": "STD-US"}
PREMIER_PLAN = "PREMIER-24X7"
# Business minutes per severity 1..4: (first response, resolution).
STANDARD_TARGETS = ((60, 480), (240, 1_440), (480, 2_880), (960, 4_800))
PREMIER_TARGETS = ((15, 240), (60, 480), (240, 1_440), (480, 2_880))
MAJOR_INCIDENTS = "Major incidents"
ASSISTED_REQUESTS = "Assisted requests"
