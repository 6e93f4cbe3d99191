"""Generate labelled Dutch examples that add systematic variety to the hand-written corpus.

Why this exists: the hand-written files in ``data/classify/train`` are varied in topic
and register, but each phenomenon that trips up a sentiment/intent classifier appears only
a handful of times there, and always in the same few domains: negation ("niet slecht",
"nooit meer problemen gehad", "niet echt tevreden"), sarcastic praise of a bad fact
("Top service hoor, ... 👏"), intensifiers and softeners, contrast ("X was prima, maar ..."),
worried or annoyed questions, mixed reviews, emoji that agree or (for sarcasm) clash,
slang, Flemish, English code-mixing, typos and case noise. A model trained on a few
hundred texts can learn that "top" means positive, but not that "top service hoor" in
front of a 40-minute wait means the opposite, unless it sees that pattern many times over
many topics. This module writes those patterns out systematically: Dutch building blocks
(written here by hand, per domain and per aspect) combined by a set of structures, each of
which fixes the labels by construction, over thirteen domains.

The output is deterministic for a seed: ``python -m pipeline.model.generate`` writes
``data/classify/train/generated.jsonl`` (2000 examples, seed 7), which training picks up
with the other ``train/*.jsonl`` files. Rerun it after changing the blocks.

How the labels follow the guidelines (see the corpus brief):
- plain praise, negated praise ("niet slecht", "geen enkele klacht"), thanks, recommending,
  mostly positive contrast ("... alleen jammer van X") -> positive / compliment;
- plain complaints, negated complaints ("niet echt tevreden"), sarcasm, warnings, mostly
  negative contrast ("X was prima, maar ..."), annoyed questions -> negative / complaint;
- plain questions -> neutral / question; worried ones -> negative / question; enthusiastic
  ones ("Super blij! Weet iemand ...?") -> positive / question;
- news and announcements, neutral statements and balanced mixed reviews -> neutral / other;
  happy or grumpy chit-chat not aimed at a product or service -> positive or negative / other.
Noise (emoji, hashtags, slang, abbreviations, typos, case) is applied after the labels are
fixed and only in ways that keep them true: emoji agree with the sentiment, except the
clashing ones that mark sarcasm.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OUT = Path("data/classify/train/generated.jsonl")
SENTIMENTS = ("positive", "neutral", "negative")
INTENTS = ("question", "complaint", "compliment", "other")


def _w(s: str) -> tuple[str, ...]:
    """'a|b|c' -> ('a', 'b', 'c'): keeps the word lists below compact."""
    return tuple(x.strip() for x in s.split("|"))


# == building blocks: places, people, numbers =====================================================================

CITIES_NL = _w("Amsterdam|Rotterdam|Utrecht|Den Haag|Eindhoven|Groningen|Zwolle|Arnhem|Nijmegen|Tilburg|Breda|"
               "Leiden|Haarlem|Amersfoort|Maastricht|Enschede|Deventer|Alkmaar|Delft|Leeuwarden|Apeldoorn|"
               "Den Bosch|Almere|Venlo|Hoorn|Assen|Gouda|Zaandam|Middelburg|Roermond")
CITIES_BE = _w("Antwerpen|Gent|Brugge|Leuven|Hasselt|Mechelen|Kortrijk|Aalst|Brussel|Genk|Oostende|Sint-Niklaas|"
               "Turnhout|Lier|Roeselare|Dendermonde|Geel|Ieper")
REGIONS = _w("Noord-Holland|de regio Utrecht|Twente|Zuid-Limburg|de Achterhoek|Friesland|West-Brabant|"
             "de Randstad|West-Vlaanderen|de Kempen|Oost-Vlaanderen|Vlaams-Brabant")
DESTINATIONS = _w("Lissabon|Barcelona|Malaga|Rome|Kreta|Istanbul|Dublin|Kopenhagen|Praag|Nice|Porto|Wenen|"
                  "Tenerife|Split|Boedapest|Marrakech")
MONTHS = _w("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december")
WEEKDAYS = _w("maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag")
FIRST_NAMES = _w("Sanne|Daan|Fatima|Kevin|Noor|Bram|Yusuf|Lotte|Mehmet|Emma|Jeroen|Sofie|Wout|Ilse|Ahmed|Lieke|"
                 "Pieter|Ines|Tom|Anouk|Joris|Samira|Thijs|Elke|Ruben|Mila|Koen|Hanneke|Dries|Layla")
SURNAMES = _w("de Vries|Jansen|Peeters|Claes|Bakker|El Amrani|Visser|Maes|Smits|Mulder|Yilmaz|Van den Broeck|"
              "Hendriks|Willems|de Groot|Janssens|van Dijk|Vermeulen|Bos|Aerts")
PRODUCTS = _w("e-bike|koptelefoon|stofzuiger|airfryer|koffiemachine|wasmachine|föhn|elektrische tandenborstel|"
              "speaker|laptop|waterkoker|robotstofzuiger")
HANDLE_SUFFIXES = ("", "_NL", "NL", "Helpt", "", "_Service", "Webcare")


# == building blocks: aspects and domains =========================================================================

@dataclass(frozen=True)
class Aspect:
    """One thing people judge (levering, klantenservice, ...), with words and facts for both polarities.

    ``good``/``bad`` are predicative adjectives ("de levering was snel"); a leading "=" marks one that
    takes no degree word ("=op tijd": no "heel op tijd"). ``good_facts``/``bad_facts`` are main clauses
    in lower case without final punctuation, so they can follow "maar", a comma or a sarcastic opener.
    """

    np: str
    good: tuple[str, ...]
    bad: tuple[str, ...]
    good_facts: tuple[str, ...]
    bad_facts: tuple[str, ...]
    plural: bool = False

    @property
    def bare(self) -> str:
        """The noun phrase without its article, for telegraphic reviews ("levering snel, prijs hoog")."""
        return re.sub(r"^(de|het|mijn|een) ", "", self.np)


def aspect(np: str, good: str, bad: str, good_facts: list[str], bad_facts: list[str], plural: bool = False) -> Aspect:
    return Aspect(np, _w(good), _w(bad), tuple(good_facts), tuple(bad_facts), plural)


@dataclass(frozen=True)
class Domain:
    """A sector: invented brands, its own aspects plus some shared ones, and the sentences around them.

    ``actions`` are "object|verb phrase" pairs for questions ("Hoe kan ik <object> <verb>?"); ``loyal`` ends
    "Nooit meer problemen gehad ..."; ``notes`` are neutral first-person facts; ``joys`` are happy personal
    news that is not praise of the brand; ``staff`` are people one can thank.
    """

    key: str
    kind: str
    brands: tuple[str, ...]
    loyal: str
    aspects: tuple[Aspect, ...]
    actions: tuple[tuple[str, str], ...]
    questions: tuple[str, ...]
    worries: tuple[str, ...]
    news: tuple[str, ...]
    notes: tuple[str, ...]
    joys: tuple[str, ...]
    staff: tuple[str, ...]

    @property
    def neuter(self) -> bool:
        return self.kind in {"hotel", "restaurant", "merk"}

    @property
    def good(self) -> str:
        """ "een goede bank" / "een goed hotel" """
        return ("een goed " if self.neuter else "een goede ") + self.kind


SERVICE = aspect(
    "de klantenservice", "vriendelijk|behulpzaam|snel|goed bereikbaar|geduldig|=to the point",
    "=onbereikbaar|traag|onvriendelijk|=nergens te bekennen|kortaf|=niet vooruit te branden",
    ["ik had binnen vijf minuten iemand aan de lijn", "mijn vraag was in één keer opgelost",
     "de medewerker in de chat dacht echt met me mee", "ik kreeg dezelfde dag nog een duidelijk antwoord op mijn mail",
     "ze belden me zelfs terug om te checken of alles werkte", "de medewerker nam echt de tijd voor me",
     "ze losten het probleem op voordat ik het zelf doorhad"],
    ["ik hing {min} minuten in de wacht", "ik krijg al {days} dagen geen antwoord op mijn mail",
     "ik ben nu {k} keer doorverbonden en niemand weet iets", "de chatbot snapt mijn vraag gewoon niet",
     "ze hingen gewoon op toen ik doorvroeg", "ik moest voor de {k}e keer mijn hele verhaal doen",
     "ze beloofden terug te bellen maar er belde niemand",
     "ik krijg alleen maar standaardmails terug die nergens over gaan"])
PRICE = aspect(
    "de prijs", "scherp|eerlijk|=prima|=heel redelijk|=meer dan netjes",
    "=veel te hoog|=belachelijk hoog|=niet normaal meer|=absurd|=niet uit te leggen",
    ["je krijgt echt waar voor je geld", "je betaalt echt niet te veel voor wat je krijgt",
     "er zaten geen verborgen kosten in", "ik kreeg zonder zeuren een korting toen ik ernaar vroeg"],
    ["ze hebben de prijs alweer verhoogd zonder het te melden",
     "er stonden ineens {eur} euro extra kosten op de rekening",
     "voor deze prijs verwacht je echt meer", "de beloofde korting bleek alleen voor nieuwe klanten te gelden",
     "ik betaalde {eur} euro voor iets wat niet eens werkte"])
APP = aspect(
    "de app", "handig|overzichtelijk|snel|fijn|=super makkelijk|gebruiksvriendelijk",
    "traag|onoverzichtelijk|=onbruikbaar|buggy|=een ramp",
    ["alles regel je in een paar tikken in de app", "de nieuwe update is echt een verbetering",
     "inloggen gaat eindelijk gewoon met je vingerafdruk", "ik zie in de app precies wat ik betaal"],
    ["de app crasht elke keer bij het inloggen", "sinds de laatste update doet de app helemaal niks meer",
     "de website geeft alleen maar foutmeldingen", "ik kom in de app niet verder dan het laadscherm",
     "de app logt me elke dag uit"])

DOMAINS: tuple[Domain, ...] = (
    Domain(
        "telecom", "telecomprovider", _w("Zendr|Kabelwerk|Belmo|NetNoord"), "sinds ik bij {brand} zit",
        (aspect("de verbinding", "snel|stabiel|=supersnel|betrouwbaar", "traag|instabiel|=om te huilen|=bagger",
                ["ik haal gewoon de snelheid die ze beloven",
                 "sinds de overstap op glasvezel kan ik eindelijk zonder haperen videobellen",
                 "de wifi komt nu tot op zolder", "we streamen met z'n vieren tegelijk zonder gedoe"],
                ["mijn internet valt elke avond rond acht uur weg", "ik haal nog geen kwart van de beloofde snelheid",
                 "de wifi valt om de tien minuten weg", "we zitten al {days} dagen zonder internet in {city}"]),
         aspect("de monteur", "vriendelijk|vakkundig|=op tijd|behulpzaam",
                "=te laat|onvriendelijk|=nergens te bekennen|slordig",
                ["de monteur had de storing binnen een half uur verholpen", "de monteur legde alles rustig uit",
                 "de installatie was in een uurtje klaar"],
                ["de monteur is nu al {k} keer niet komen opdagen",
                 "de monteur kwam, keek even en vertrok weer zonder iets te doen",
                 "ik heb een hele dag vrij genomen voor een monteur die nooit kwam"]),
         aspect("het bereik", "goed|sterk|=prima|=overal top", "slecht|=belabberd|=nul|=om te janken",
                ["ik heb zelfs in de trein naar {city} overal bereik", "ik heb eindelijk 5G in de hele wijk"],
                ["ik heb binnen in huis gewoon geen bereik", "midden in {city} valt mijn 4G steeds weg",
                 "bellen lukt alleen als ik bij het raam sta"]),
         aspect("de overstap", "soepel|makkelijk|=zonder gedoe|=zo geregeld", "rommelig|=een drama|=een chaos",
                ["mijn nummer was in één dag overgezet",
                 "ze regelden de opzegging bij mijn oude provider helemaal zelf"],
                ["na de overstap zat ik {days} dagen zonder telefoon",
                 "mijn nummer is na twee weken nog steeds niet overgezet"]),
         aspect("de factuur", "duidelijk|overzichtelijk|=netjes", "onduidelijk|=fout|=onbegrijpelijk",
                ["ik kreeg mijn teveel betaalde geld netjes teruggestort"],
                ["ik moet ineens {eur} euro bijbetalen voor bellen in het buitenland terwijl ik niet weg ben geweest",
                 "ik betaal al maanden voor een tv-pakket dat ik nooit heb afgesloten"]),
         SERVICE, PRICE, APP),
        (("mijn abonnement", "opzeggen"), ("mijn nummer", "meenemen naar een andere provider"),
         ("een extra simkaart", "aanvragen"), ("mijn modem", "resetten"), ("mijn databundel", "ophogen"),
         ("mijn verhuizing", "doorgeven")),
        ("Weet iemand of {brand} al glasvezel heeft in {city}?",
         "Is er op dit moment een storing bij {brand} in {city}?",
         "Werkt de wifi-versterker van {brand} ook met een oudere router?",
         "Hoeveel data zit er eigenlijk in het basispakket van {brand}?",
         "Kan ik met mijn abonnement van {brand} ook in Zwitserland bellen?",
         "Heeft iemand ervaring met de tv-box van {brand}?"),
        ("ik kreeg een sms dat mijn simkaart geblokkeerd is, maar ik heb niks gedaan",
         "mijn telefoonrekening is deze maand ineens drie keer zo hoog als normaal",
         "volgens de app is er vannacht vanaf mijn nummer gebeld terwijl ik sliep",
         "ik krijg een mail van '{brand}' met een betaallink, maar het adres ziet er raar uit"),
        ("{brand} rolt vanaf {month} glasvezel uit in {city} en omgeving.",
         "{brand} verhoogt per 1 {month} de prijzen van mobiele abonnementen met gemiddeld {pct} procent.",
         "Vannacht voert {brand} onderhoud uit aan het netwerk in {region}; "
         "tussen 01:00 en 05:00 kan internet wegvallen.",
         "{brand} en {brand2} gaan hun mobiele netwerken delen, meldt het bedrijf.",
         "Telecomtoezichthouder onderzoekt klachten over slecht bereik in {region}.",
         "{brand} stopt in {month} met het oude 3G-netwerk in {region}."),
        ("vandaag overgestapt naar {brand}", "nieuwe modem van {brand} vandaag binnengekregen",
         "mijn contract bij {brand} loopt in {month} af", "vanochtend de glasvezelkabel laten aanleggen"),
        ("net verhuisd naar ons eerste eigen huis in {city}", "vandaag mijn allereerste eigen telefoon gekocht",
         "eindelijk glasvezel in onze straat"),
        ("de monteur", "{name} van de klantenservice", "de medewerker in de winkel in {city}", "{name} in de chat")),

    Domain(
        "energy", "energieleverancier", _w("Groenwatt|Warmtelijn|Energiek Oost|Zonnedal"), "sinds ik bij {brand} zit",
        (aspect("de jaarafrekening", "duidelijk|overzichtelijk|=correct", "onduidelijk|=fout|=onbegrijpelijk",
                ["ik kreeg bij de jaarafrekening nog {eur} euro terug",
                 "de jaarafrekening was in één oogopslag te snappen"],
                ["ik wacht al {k} maanden op mijn eindafrekening", "mijn jaarafrekening klopt voor geen meter",
                 "ze hebben {eur} euro te veel afgeschreven"]),
         aspect("het maandbedrag", "laag|=eerlijk|=netjes aangepast", "hoog|=veel te hoog|=belachelijk",
                ["ze pasten mijn maandbedrag meteen aan toen ik belde", "mijn maandbedrag is eindelijk omlaag gegaan"],
                ["mijn maandbedrag is ineens verdubbeld zonder uitleg",
                 "ze schroeven het voorschot op zonder overleg"]),
         aspect("de installateur", "vakkundig|vriendelijk|=op tijd|netjes", "=te laat|onvriendelijk|slordig",
                ["de zonnepanelen werden in één dag netjes geplaatst", "de installateur ruimde alles keurig op",
                 "de warmtepomp draait sinds de installatie zonder één storing"],
                ["de installateur liet een gat in de muur achter en vertrok",
                 "de installatie van de warmtepomp is al {k} keer verzet"]),
         aspect("de slimme meter", "=prima|betrouwbaar|handig", "=onbetrouwbaar|=kapot|=nutteloos",
                ["ik zie via de slimme meter precies wat ik verbruik"],
                ["de slimme meter geeft al weken geen standen door", "de slimme meter telt stroom dubbel"]),
         aspect("de overstap", "soepel|makkelijk|=zonder gedoe", "rommelig|=een drama|=een chaos",
                ["de overstap ging helemaal vanzelf", "ze regelden de opzegging bij mijn oude leverancier zelf"],
                ["na de overstap word ik door twee leveranciers tegelijk gefactureerd",
                 "mijn overstap is {k} keer mislukt"]),
         SERVICE, PRICE, APP),
        (("mijn meterstanden", "doorgeven"), ("mijn maandbedrag", "aanpassen"), ("mijn contract", "verlengen"),
         ("mijn zonnepanelen", "aanmelden"), ("een energiecontract voor mijn nieuwe huis", "afsluiten")),
        ("Weet iemand of {brand} een vast of variabel tarief aanraadt voor komend jaar?",
         "Hoe werkt de terugleververgoeding bij {brand} precies?",
         "Kan ik bij {brand} ook een thuisbatterij laten plaatsen?",
         "Wat gebeurt er met mijn contract bij {brand} als ik verhuis naar {city}?",
         "Iemand ervaring met de warmtepompen die {brand} aanbiedt?"),
        ("ik kreeg een brief dat mijn stroom wordt afgesloten, maar ik heb alles betaald",
         "mijn verbruik is volgens de app ineens verdrievoudigd",
         "er stond een man aan de deur die zei dat hij van {brand} kwam om de meter te checken",
         "de eindafrekening van {brand} is {eur} euro en ik had daar niet op gerekend"),
        ("{brand} verlaagt per 1 {month} de variabele stroomtarieven met {pct} procent.",
         "{brand} stopt met het aanbieden van contracten voor drie jaar.",
         "Netbeheerder meldt storing in {city}: ruim {n} huishoudens tijdelijk zonder stroom.",
         "{brand} opent in {month} een nieuw zonnepark bij {city}.",
         "Vanaf {month} moeten klanten van {brand} hun meterstanden via de app doorgeven."),
        ("vandaag de meterstanden doorgegeven aan {brand}", "contract bij {brand} verlengd voor een jaar",
         "vanochtend kwam de monteur voor de slimme meter", "net de jaarafrekening van {brand} binnengekregen"),
        ("vandaag liggen eindelijk onze eigen zonnepanelen op het dak", "net ons eerste huis gekocht in {city}",
         "onze nieuwe warmtepomp draait sinds vandaag"),
        ("de installateur", "{name} van de klantenservice", "de monteur", "{name} aan de telefoon")),

    Domain(
        "trains", "vervoerder", _w("Treinlink|RegioRail|Sprintnet|Railvia"), "sinds ik met {brand} reis",
        (aspect("de trein", "=op tijd|schoon|rustig|=keurig op tijd", "=te laat|vies|=propvol|=weer eens te laat",
                ["de trein van {time} reed precies op tijd", "ik haalde mijn aansluiting in {city} ondanks de drukte",
                 "de nieuwe treinen zijn stil en hebben overal stopcontacten"],
                ["mijn trein naar {city} is alweer geschrapt", "we staan al {min} minuten stil net voor {city}",
                 "de sprinter had maar twee bakken en we stonden als haringen",
                 "ik miste mijn aansluiting in {city} door {min} minuten vertraging",
                 "de laatste bus naar {city} reed gewoon niet"]),
         aspect("de conducteur", "vriendelijk|behulpzaam|geduldig|=top", "onbeschoft|kortaf|=nergens te bekennen",
                ["de conducteur hielp een oudere dame met haar koffer",
                 "de buschauffeur wachtte even toen ik kwam aanrennen",
                 "de conducteur legde rustig uit hoe ik het beste kon omreizen"],
                ["de conducteur gaf me een boete terwijl de kaartautomaat kapot was",
                 "de buschauffeur reed gewoon door terwijl ik bij de halte stond te zwaaien"]),
         aspect("de reisinformatie", "duidelijk|=actueel|=precies", "onduidelijk|=waardeloos|=weer eens fout",
                ["de app gaf meteen een goede alternatieve route bij de storing",
                 "de omroepen waren duidelijk en op tijd"],
                ["er was geen enkele omroep over de vertraging",
                 "volgens de app reed mijn trein gewoon, maar op het perron stond 'rijdt niet'",
                 "de borden op station {city} gaven drie verschillende vertrektijden"]),
         aspect("de wifi in de trein", "stabiel|snel|=prima", "traag|=onbruikbaar|=niet vooruit te branden",
                ["ik kon de hele rit gewoon doorwerken op de wifi"],
                ["de wifi in de trein valt na elke tunnel weg"]),
         aspect("de incheckpaal", "=prima|handig|snel", "=kapot|=onbetrouwbaar|traag",
                ["inchecken met mijn bankpas gaat razendsnel"],
                ["de incheckpaal op station {city} werkt al weken niet",
                 "ik ben dubbel afgeschreven omdat de paal mijn uitcheck niet registreerde"]),
         SERVICE, PRICE, APP),
        (("mijn jaarabonnement", "opzeggen"), ("geld", "terugvragen bij vertraging"),
         ("een fiets", "meenemen in de trein"),
         ("een gemiste uitcheck", "corrigeren"), ("een groepsticket", "kopen")),
        ("Rijdt de nachttrein van {city} naar {city2} dit weekend gewoon?",
         "Weet iemand of er morgen werkzaamheden zijn tussen {city} en {city2}?",
         "Mag een hond gratis mee in de trein van {brand}?",
         "Hoe laat vertrekt de eerste bus van {brand} naar {city} op zondag?",
         "Geldt mijn dalurenkorting van {brand} ook op feestdagen?"),
        ("de laatste trein naar {city} staat op 'rijdt niet' en ik sta hier alleen op het perron",
         "mijn dochter zit in de trein die al een uur stilstaat en ze kan niemand bereiken",
         "ik ben mijn tas vergeten in de trein van {time} naar {city}",
         "er staat een afschrijving van {eur} euro van {brand} op mijn rekening die ik niet snap"),
        ("Vanaf {weekday} rijden er tussen {city} en {city2} minder treinen vanwege werkzaamheden.",
         "{brand} zet in {month} nieuwe dubbeldekkers in op de lijn naar {city}.",
         "Door een defecte bovenleiding rijden er tot {time} geen treinen tussen {city} en {city2}.",
         "{brand} verhoogt per 1 {month} de tarieven met {pct} procent.",
         "Vanaf {month} kun je in alle bussen van {brand} betalen met je bankpas."),
        ("vanochtend met de trein van {city} naar {city2}", "nieuw jaarabonnement bij {brand} afgesloten",
         "vandaag voor het eerst met de bus naar mijn werk in {city}", "morgen met de vroege trein naar {city}"),
        ("morgen voor het eerst met de nachttrein naar Wenen", "vandaag begint mijn nieuwe baan in {city}",
         "eindelijk mijn eerste eigen studentenkaart binnen"),
        ("de conducteur", "de buschauffeur van lijn {n}", "de medewerker bij de servicebalie in {city}",
         "de machinist")),

    Domain(
        "airlines", "luchtvaartmaatschappij", _w("Aerova|Skylijn|Noordair|Tulpair"), "sinds ik met {brand} vlieg",
        (aspect("de vlucht", "=op tijd|rustig|comfortabel|=soepel", "=vertraagd|=geannuleerd|=propvol|krap",
                ["we landden zelfs twintig minuten eerder in {dest}", "de vlucht naar {dest} verliep helemaal soepel",
                 "we vertrokken keurig op tijd ondanks het slechte weer"],
                ["onze vlucht naar {dest} is {hours} uur vertraagd en niemand zegt iets",
                 "onze vlucht werd een uur voor vertrek geannuleerd",
                 "we zaten {hours} uur op het platform zonder water"]),
         aspect("de crew", "vriendelijk|attent|=top|professioneel", "onvriendelijk|ongeïnteresseerd|chagrijnig",
                ["de crew regelde meteen een andere stoel toen ik me niet lekker voelde",
                 "de stewardess kwam zelfs een extra deken brengen voor mijn zoontje"],
                ["de stewardess rolde met haar ogen toen ik om water vroeg",
                 "de crew deed alsof we lastig waren toen we vroegen naar de vertraging"]),
         aspect("de bagageafhandeling", "snel|=vlot|=netjes", "=een ramp|traag|=een chaos",
                ["mijn koffer stond al op de band toen ik aankwam",
                 "mijn beschadigde koffer werd zonder discussie vergoed"],
                ["mijn koffer is nu al {days} dagen zoek", "mijn koffer kwam aan met een gebroken wiel",
                 "ik stond {min} minuten in de rij bij de bagagedrop"]),
         aspect("de beenruimte", "ruim|=prima|=verrassend ruim", "krap|=belachelijk krap|=nul",
                ["zelfs met mijn lange benen zat ik prima"],
                ["mijn knieën zaten de hele vlucht tegen de stoel voor me"]),
         aspect("de compensatie", "=snel geregeld|=netjes|=zonder gedoe", "=nergens te bekennen|=een lachertje",
                ["de compensatie voor de vertraging stond binnen een week op mijn rekening"],
                ["de compensatie die ze beloofden is na {k} maanden nog steeds niet betaald",
                 "ze bieden een voucher van {eur} euro aan voor een gemiste vakantiedag"]),
         SERVICE, PRICE, APP),
        (("mijn stoel", "reserveren"), ("extra bagage", "bijboeken"), ("mijn vlucht", "omboeken"),
         ("mijn boardingpass", "downloaden"), ("een rolstoel", "aanvragen")),
        ("Hoeveel handbagage mag je meenemen bij {brand} naar {dest}?",
         "Weet iemand of je bij {brand} online kunt inchecken voor een vlucht naar {dest}?",
         "Mag een kinderwagen gratis mee bij {brand}?",
         "Vanaf hoe laat is de balie van {brand} op Schiphol open?",
         "Zit er eten bij de vlucht van {brand} naar {dest} of moet ik dat zelf meenemen?"),
        ("onze vlucht naar {dest} staat sinds vanochtend op 'gewijzigd' maar we krijgen geen info",
         "mijn paspoort verloopt over drie maanden en we vliegen volgende week naar {dest}",
         "ik ben mijn boardingpass kwijt en de vlucht gaat over een uur",
         "we hebben maar vijftig minuten voor onze overstap naar {dest}"),
        ("{brand} start vanaf {month} een nieuwe lijn tussen Eindhoven en {dest}.",
         "Door een staking bij de grondafhandeling kunnen vluchten van {brand} op {weekday} vertraging oplopen.",
         "{brand} verhoogt de prijs voor ruimbagage met {eur} euro.",
         "{brand} schrapt deze winter {n} vluchten naar {dest}.",
         "Vanaf {month} mag je bij {brand} een extra handtas gratis meenemen."),
        ("net een vlucht naar {dest} geboekt bij {brand}", "morgen om {time} vliegen we naar {dest}",
         "vandaag online ingecheckt voor {dest}", "onze vlucht naar {dest} is omgeboekt naar {weekday}"),
        ("over twee weken vliegen we naar {dest}", "morgen op huwelijksreis naar {dest}",
         "net onze eerste vakantie met de kids geboekt"),
        ("de crew", "de stewardess", "de piloot", "{name} aan de incheckbalie")),

    Domain(
        "banks", "bank", _w("Kroonbank|Spaarhuis|Muntbank|Banqo"), "sinds ik bij {brand} bankier",
        (aspect("de adviseur", "deskundig|duidelijk|geduldig|=top", "onduidelijk|=onbereikbaar|ongeïnteresseerd",
                ["de adviseur nam uitgebreid de tijd voor onze hypotheek",
                 "de adviseur legde alles in gewone taal uit"],
                ["mijn hypotheekaanvraag ligt al {k} weken stil",
                 "de adviseur is al {k} keer niet op een afspraak verschenen"]),
         aspect("het internetbankieren", "makkelijk|overzichtelijk|veilig", "onoverzichtelijk|traag|=vaak plat",
                ["een overboeking naar het buitenland is binnen een minuut geregeld"],
                ["ik kan al {days} dagen niet internetbankieren",
                 "internetbankieren ligt elke maand op salarisdag plat"]),
         aspect("de betaalpas", "=snel binnen|=netjes geregeld", "=nog steeds niet binnen|=onbruikbaar",
                ["mijn nieuwe betaalpas lag binnen twee dagen in de bus"],
                ["mijn betaalpas is na {k} weken nog steeds niet binnen",
                 "ik stond voor gek aan de kassa omdat mijn pas weer eens geweigerd werd"]),
         aspect("de fraudeafdeling", "alert|snel|=top|behulpzaam", "traag|=onbereikbaar|=nergens te bekennen",
                ["de fraudeafdeling blokkeerde meteen mijn rekening toen er iets vreemds gebeurde",
                 "mijn geld was binnen een dag teruggestort"],
                ["er is {eur} euro van mijn rekening verdwenen en niemand helpt me"]),
         aspect("de kosten", "laag|=eerlijk|=overzichtelijk", "hoog|=absurd|=niet uit te leggen",
                ["ik betaal nu bijna niks meer voor mijn rekening"],
                ["ik betaal ineens {eur} euro per kwartaal voor een rekening die eerst gratis was"], plural=True),
         SERVICE, APP),
        (("een spaarrekening voor mijn kind", "openen"), ("mijn limiet", "verhogen"), ("een betaalverzoek", "sturen"),
         ("mijn pincode", "opnieuw aanvragen"), ("een gezamenlijke rekening", "openen")),
        ("Kan ik bij {brand} ook een rekening openen als ik in {city} woon maar geen Nederlander ben?",
         "Hoe lang duurt een overboeking van {brand} naar een Belgische rekening?",
         "Weet iemand of {brand} nog kantoren heeft in {city}?",
         "Wat is de rente op de spaarrekening van {brand} op dit moment?",
         "Kan ik met de pas van {brand} ook contactloos betalen in de VS?"),
        ("ik zie een afschrijving van {eur} euro die ik niet herken",
         "ik heb per ongeluk {eur} euro naar het verkeerde rekeningnummer gestuurd",
         "iemand belde me namens {brand} en vroeg om mijn pincode",
         "mijn rekening is ineens geblokkeerd en ik moet morgen de huur betalen"),
        ("{brand} sluit per {month} de laatste {n} kantoren in {region}.",
         "De spaarrente bij {brand} gaat per 1 {month} omhoog naar {pct} procent.",
         "Vannacht is internetbankieren bij {brand} tussen 00:00 en 04:00 niet beschikbaar wegens onderhoud.",
         "{brand} waarschuwt voor nepmails die lijken op berichten van de bank.",
         "{brand} introduceert in {month} een nieuwe rekening voor jongeren."),
        ("vandaag een afspraak gehad bij {brand} over onze hypotheek", "nieuwe betaalpas van {brand} aangevraagd",
         "net een spaarrekening geopend bij {brand}", "mijn salaris komt voortaan binnen op mijn rekening bij {brand}"),
        ("net de sleutel van ons eerste huis gekregen", "mijn eerste salaris is binnen",
         "vandaag zijn we eindelijk getrouwd"),
        ("de adviseur", "{name} van de fraudeafdeling", "{name} van de klantenservice",
         "de medewerker op het kantoor in {city}")),

    Domain(
        "webshops", "webshop", _w("Kooptop|Winkelwolk|Bestelbaas|Shopla"), "sinds ik bij {brand} bestel",
        (aspect("de levering", "snel|=op tijd|=keurig|=supersnel", "traag|=te laat|=een drama",
                ["mijn bestelling lag de volgende ochtend al op de mat", "alles kwam in één keer en netjes op tijd"],
                ["mijn bestelling is {k} keer uitgesteld",
                 "ik wacht al {k} weken op een bestelling die 'op voorraad' was"]),
         aspect("het retourneren", "makkelijk|=simpel|=zonder gedoe", "omslachtig|ingewikkeld|=een hel",
                ["het retourlabel zat er gewoon bij", "mijn geld stond binnen twee dagen terug op mijn rekening"],
                ["ik wacht al {k} weken op mijn terugbetaling",
                 "ze weigeren mijn retour omdat het doosje open is geweest"]),
         aspect("de verpakking", "netjes|stevig|duurzaam", "slordig|=kapot|=absurd groot",
                ["alles zat netjes verpakt zonder plastic"],
                ["mijn glazen vaas zat los in een doos zonder enige bescherming",
                 "ik kreeg een doos zo groot als een koelkast voor één oplader"]),
         aspect("het product", "mooi|degelijk|=precies zoals op de foto",
                "=van slechte kwaliteit|=anders dan op de foto|=kapot",
                ["de jas zit perfect en voelt echt stevig", "ze stuurden gratis een nieuwe toen er een krasje op zat"],
                ["ik kreeg een heel ander product dan ik had besteld",
                 "de jas die ik bestelde was na één keer wassen al kapot",
                 "de bank die ik kocht heeft na {k} weken al een scheur"]),
         SERVICE, PRICE, APP),
        (("een bestelling", "annuleren"), ("een retour", "aanmelden"), ("mijn bezorgadres", "wijzigen"),
         ("een kortingscode", "gebruiken"), ("achteraf", "betalen")),
        ("Weet iemand of de sneakers van {brand} klein of groot vallen?",
         "Levert {brand} ook in België?", "Heeft {brand} een afhaalpunt in {city}?",
         "Hoe lang is de bedenktijd bij {brand}?", "Komt die bank van {brand} in onderdelen of in één stuk?"),
        ("ik heb betaald bij {brand} maar ik heb geen bevestigingsmail gekregen",
         "er is twee keer {eur} euro afgeschreven voor dezelfde bestelling",
         "ik kreeg een sms over een pakket van {brand} maar ik heb niks besteld",
         "mijn bestelling voor de verjaardag van mijn zoon staat nog op 'in behandeling' en het feest is zaterdag"),
        ("{brand} opent in {month} een eerste fysieke winkel in {city}.",
         "Vanaf {month} rekent {brand} {eur} euro verzendkosten onder de twintig euro.",
         "{brand} stopt met de verkoop van wegwerpplastic.",
         "De uitverkoop bij {brand} start op {weekday} om {time}.",
         "{brand} neemt branchegenoot {brand2} over, melden beide bedrijven."),
        ("net een nieuwe jas besteld bij {brand}", "vandaag een retour teruggestuurd naar {brand}",
         "mijn bestelling bij {brand} komt {weekday}", "net een account aangemaakt bij {brand}"),
        ("net mijn eerste eigen bank besteld voor mijn nieuwe appartement", "vandaag de babykamer helemaal ingericht",
         "net alles voor onze kampeervakantie besteld"),
        ("{name} van de klantenservice", "de medewerker in de chat", "{name} van de retourafdeling")),

    Domain(
        "delivery", "pakketdienst", _w("Snelpost|Postiq|Dropr|PakjeNu"), "sinds {brand} hier in de wijk bezorgt",
        (aspect("de bezorger", "vriendelijk|behulpzaam|snel|=top", "onvriendelijk|haastig|=nergens te bekennen",
                ["de bezorger bracht mijn pakket zelfs naar achteren omdat ik in de tuin zat",
                 "de bezorger belde even toen hij mijn huisnummer niet kon vinden",
                 "de bezorger wachtte geduldig tot ik met de baby beneden was"],
                ["de bezorger heeft niet eens aangebeld en meteen een briefje achtergelaten",
                 "mijn pakket stond gewoon in de regen voor de deur", "de bezorger gooide mijn pakket over het hek"]),
         aspect("de track & trace", "duidelijk|=precies|betrouwbaar", "=onbetrouwbaar|=nutteloos|=weer eens fout",
                ["het pakket werd precies in het aangekondigde tijdvak bezorgd",
                 "ik kon de bezorger live volgen op de kaart"],
                ["volgens de track & trace is mijn pakket bezorgd, maar er ligt niks",
                 "mijn pakket ligt al {days} dagen in het sorteercentrum in {city}"]),
         aspect("het afhaalpunt", "handig|=dichtbij|=prima geregeld", "=onhandig|=altijd dicht|=ver weg",
                ["het afhaalpunt is om de hoek en ook 's avonds open"],
                ["mijn pakket is naar een afhaalpunt aan de andere kant van {city} gebracht",
                 "het afhaalpunt was dicht terwijl de app zei dat het open was"]),
         aspect("de bezorging", "snel|=op tijd|=netjes", "=te laat|traag|=een drama",
                ["mijn pakket werd op zaterdag gewoon bezorgd", "mijn pakket was er binnen een dag"],
                ["mijn pakket is {k} keer 'vandaag verwacht' geweest",
                 "het pakket werd bij een buurman afgegeven die ik niet ken"]),
         SERVICE, APP),
        (("mijn pakket", "omleiden naar een afhaalpunt"), ("een pakket", "versturen naar België"),
         ("een andere bezorgdag", "kiezen"), ("een klacht", "indienen"), ("een pakket", "laten ophalen")),
        ("Bezorgt {brand} ook op zondag in {city}?", "Hoe laat komt de bezorger van {brand} meestal langs?",
         "Kan ik bij {brand} een vaste plek voor mijn pakketjes doorgeven?",
         "Hoe lang blijft een pakket bij het afhaalpunt van {brand} liggen?",
         "Wat kost het om een pakket van {city} naar {city2} te sturen met {brand}?"),
        ("er staat dat mijn pakket is bezorgd maar ik was de hele dag thuis en heb niks gehad",
         "ik kreeg een sms dat ik nog {eur} euro invoerkosten moet betalen voor een pakket van {brand}",
         "mijn pakket met medicijnen staat al sinds gisteren op 'vertraagd'",
         "het pakket met onze trouwringen is volgens de app 'afgeleverd bij buren', maar geen van de buren heeft iets"),
        ("{brand} bezorgt vanaf {month} ook op zondag in {region}.",
         "Door de drukte rond de feestdagen kan het bij {brand} een dag langer duren.",
         "{brand} opent {n} nieuwe pakketautomaten in {city}.",
         "{brand} gaat in {city} bezorgen met elektrische bakfietsen.",
         "Bij {brand} kost een brievenbuspakje vanaf {month} {eur} euro."),
        ("vandaag een pakket opgehaald bij het afhaalpunt van {brand}", "net een retourpakket afgegeven bij {brand}",
         "mijn pakket van {brand} komt volgens de app tussen {time} en 18:00"),
        ("het cadeau voor mijn moeder is onderweg", "de nieuwe fiets voor onze dochter wordt morgen bezorgd",
         "onze eerste bestelling als getrouwd stel is onderweg"),
        ("de bezorger", "{name}, onze vaste bezorger", "de medewerker bij het afhaalpunt")),

    Domain(
        "restaurants", "restaurant", _w("Brasserie De Gouden Lepel|Eetcafé Het Hoekje|Sushi Sora|Trattoria Dolce"),
        "sinds we bij {brand} komen",
        (aspect("het eten", "lekker|vers|=heerlijk|=om je vingers bij af te likken",
                "koud|smakeloos|flauw|=niet te vreten",
                ["het hoofdgerecht was perfect op smaak", "alles kwam vers en warm op tafel",
                 "ze hadden zonder moeite een glutenvrije versie voor mijn dochter"],
                ["mijn hoofdgerecht kwam koud op tafel", "het voorgerecht kwam zo uit de magnetron",
                 "ik vond een haar in mijn eten"]),
         aspect("de bediening", "vriendelijk|attent|snel|gezellig",
                "traag|onvriendelijk|chagrijnig|=nergens te bekennen",
                ["de serveerster kende de hele wijnkaart uit haar hoofd",
                 "de ober maakte er echt een feestje van voor mijn moeder"],
                ["we moesten drie keer vragen om de rekening",
                 "de ober zette de borden neer zonder een woord te zeggen"]),
         aspect("de sfeer", "gezellig|ontspannen|=top", "kil|rumoerig|=ver te zoeken",
                ["er stond zacht jazz op en het was lekker rustig"],
                ["de muziek stond zo hard dat we elkaar niet konden verstaan"]),
         aspect("de wachttijd", "=kort|=prima te doen", "lang|=absurd lang|=niet normaal",
                ["we zaten binnen vijf minuten aan tafel"],
                ["we wachtten {min} minuten op ons hoofdgerecht",
                 "ondanks onze reservering stonden we {min} minuten bij de deur"]),
         aspect("de bezorging", "snel|=op tijd|=warm", "traag|=koud|=te laat",
                ["de bestelling kwam sneller dan beloofd en alles was nog warm"],
                ["onze bezorgmaaltijd kwam na {min} minuten koud aan", "de helft van onze bestelling ontbrak"]),
         PRICE),
        (("een tafel voor {n} personen", "reserveren"), ("een reservering", "annuleren"),
         ("een cadeaubon", "kopen"), ("een zaaltje", "huren voor een verjaardag")),
        ("Heeft {brand} ook vegan gerechten?", "Is {brand} op maandag open?",
         "Kun je bij {brand} ook gewoon binnenlopen zonder reservering?",
         "Weet iemand of {brand} een terras heeft?", "Bezorgt {brand} ook in {city}?"),
        ("mijn dochter heeft een ernstige notenallergie en we eten zaterdag bij {brand}",
         "ik ben gisteravond bij {brand} mijn portemonnee kwijtgeraakt",
         "ik heb voor vanavond gereserveerd maar nog geen bevestiging gekregen"),
        ("{brand} in {city} krijgt een vermelding in de nieuwe restaurantgids.",
         "{brand} is vanaf {month} ook op zondag open.", "{brand} opent een tweede vestiging in {city}.",
         "De keuken van {brand} is van {weekday} tot en met zondag gesloten wegens verbouwing.",
         "Vanaf {month} werkt {brand} met een nieuw seizoensmenu."),
        ("vanavond gegeten bij {brand} in {city}", "tafel gereserveerd bij {brand} voor {weekday}",
         "vandaag geluncht bij {brand}", "net afgehaald bij {brand}"),
        ("vrijdag ons jubileumetentje", "zaterdag vieren we de verjaardag van oma met de hele familie",
         "vanavond eindelijk weer eens uit eten met z'n tweeën"),
        ("de ober", "de kok", "{name} achter de bar", "de serveerster")),

    Domain(
        "hotels", "hotel", _w("Hotel Duinzicht|Stadshotel Ravel|Hotel De Vlinder|Hotel Kaaihof"),
        "sinds we bij {brand} logeren",
        (aspect("de kamer", "schoon|ruim|=van alle gemakken voorzien|licht", "vies|klein|gehorig|=smerig",
                ["we kregen een gratis upgrade naar een kamer met zeezicht",
                 "de kamer was brandschoon en het bed sliep heerlijk"],
                ["er zaten haren in het bad en de lakens waren niet verschoond",
                 "we hoorden de hele nacht de buren door de muur", "de airco deed het niet en het was dertig graden"]),
         aspect("het ontbijt", "uitgebreid|lekker|vers", "karig|=ondermaats|=een aanfluiting",
                ["het ontbijt had zelfs verse pannenkoeken", "ze maakten speciaal een glutenvrij ontbijt voor me"],
                ["om half tien was het ontbijtbuffet al leeg",
                 "het ontbijt kostte {eur} euro voor een paar boterhammen"]),
         aspect("het personeel", "vriendelijk|behulpzaam|attent", "onvriendelijk|ongeïnteresseerd|=nergens te vinden",
                ["de receptioniste gaf ons de beste tips voor restaurants in de buurt",
                 "het personeel regelde een taxi om vijf uur 's ochtends"],
                ["de receptie was 's avonds na tien uur onbemand"]),
         aspect("de ligging", "=perfect|=top|centraal", "=ver van alles|onhandig|=ronduit slecht",
                ["je loopt zo het centrum van {city} in"],
                ["het hotel bleek naast een snelweg te liggen"]),
         aspect("het inchecken", "snel|=vlot geregeld|=soepel", "traag|=een chaos|=een drama",
                ["inchecken duurde twee minuten", "we mochten al om elf uur op de kamer"],
                ["we stonden {min} minuten bij de receptie te wachten", "onze reservering was zoek bij het inchecken"]),
         PRICE, SERVICE),
        (("een extra bed", "bijboeken"), ("mijn reservering", "verzetten"), ("een parkeerplek", "reserveren"),
         ("een late check-out", "aanvragen")),
        ("Zijn honden welkom bij {brand}?", "Heeft {brand} een eigen parkeerplaats?",
         "Hoe ver is {brand} lopen van het station van {city}?", "Is het ontbijt bij {brand} inbegrepen?",
         "Heeft {brand} kamers die toegankelijk zijn voor een rolstoel?"),
        ("we komen pas na middernacht aan bij {brand} en de receptie sluit om tien uur",
         "ik heb bij {brand} geboekt maar de bevestigingsmail ziet er vreemd uit",
         "ik denk dat ik mijn laptop in de kamer bij {brand} heb laten liggen"),
        ("{brand} in {city} is uitgeroepen tot beste familiehotel van {region}.",
         "{brand} gaat in {month} dicht voor een grote renovatie.", "{brand} opent een nieuwe wellnessruimte.",
         "Vanaf {month} rekent {brand} een toeristenbelasting van {eur} euro per nacht.",
         "{brand} zoekt nieuwe medewerkers voor het zomerseizoen."),
        ("vanavond inchecken bij {brand} in {city}", "twee nachten geboekt bij {brand}", "net uitgecheckt bij {brand}",
         "dit weekend logeren we in {city}"),
        ("dit weekend een verrassingsweekend voor mijn vrouw", "morgen begint onze huwelijksreis",
         "eindelijk een weekendje weg met mijn beste vriendinnen"),
        ("de receptioniste", "{name} van de receptie", "het schoonmaakteam", "de nachtportier")),

    Domain(
        "apps", "app", _w("Lumo|Kwikr|Nuvo|Tikko"), "sinds ik {brand} gebruik",
        (aspect("de app", "handig|overzichtelijk|snel|stabiel|=super makkelijk", "traag|buggy|=onbruikbaar|=een ramp",
                ["na de update start de app veel sneller op", "mijn hele planning staat nu netjes op één plek",
                 "ik kan eindelijk offline kijken in de trein"],
                ["sinds de update krijg ik elke dag een inlogfout", "ik word steeds uitgelogd midden in een aflevering",
                 "de app vreet mijn batterij op", "de app crasht zodra ik een foto wil uploaden"]),
         aspect("het abonnement", "=eerlijk geprijsd|=zijn geld waard|=prima", "=te duur|=oplichterij|=niet de moeite",
                ["voor een paar euro per maand heb ik alles wat ik nodig heb"],
                ["mijn opzegging is niet verwerkt en ik word gewoon weer gefactureerd",
                 "ze hebben een betaalmuur gezet voor functies die eerst gratis waren"]),
         aspect("het aanbod", "groot|gevarieerd|=top", "karig|beperkt|=ondermaats",
                ["er komen elke week nieuwe series bij", "er zitten nu ook trainingen voor beginners in"],
                ["de helft van de series is ineens verdwenen"]),
         aspect("de nieuwe update", "=een verbetering|=top|overzichtelijk", "=een ramp|onlogisch|=onbruikbaar",
                ["de donkere modus is eindelijk toegevoegd"],
                ["na de nieuwe update zijn al mijn opgeslagen routes weg",
                 "na de update staan alle knoppen op een andere plek"]),
         SERVICE),
        (("mijn abonnement", "pauzeren"), ("mijn account", "verwijderen"), ("mijn gegevens", "exporteren"),
         ("een tweede profiel", "aanmaken"), ("de meldingen", "uitzetten")),
        ("Werkt {brand} ook op een oudere iPad?", "Kun je {brand} met meerdere mensen tegelijk gebruiken?",
         "Weet iemand of {brand} een gratis proefperiode heeft?", "Komt er een desktopversie van {brand}?",
         "Is {brand} ook beschikbaar in België?"),
        ("ik zie na de update al mijn foto's niet meer in {brand}",
         "ik kreeg een mail dat iemand vanuit het buitenland heeft ingelogd op mijn account van {brand}",
         "{brand} schrijft {eur} euro af terwijl ik dacht dat ik in de gratis proefperiode zat"),
        ("{brand} lanceert in {month} een nieuwe versie met offline modus.",
         "{brand} verhoogt de abonnementsprijs per 1 {month} met {eur} euro.",
         "{brand} heeft inmiddels meer dan {n}.000 gebruikers in Nederland en België.",
         "{brand} gaat samenwerken met {brand2}.",
         "{brand} is tijdelijk niet beschikbaar wegens onderhoud tot {time}."),
        ("net {brand} gedownload", "vandaag mijn abonnement bij {brand} omgezet naar een jaarabonnement",
         "sinds deze week {brand} op mijn telefoon", "de nieuwe versie van {brand} geïnstalleerd"),
        ("vandaag begonnen aan mijn eerste hardloopschema", "net mijn eerste 5 kilometer gelopen",
         "eindelijk vakantie, tijd om series te bingen"),
        ("de helpdesk", "{name} van support", "het supportteam")),

    Domain(
        "government", "instantie", _w("Gemeente Zuidwaard|Stadsloket Oostmere|Gemeente Lindewaarde|Loket Noordmeer"),
        "sinds {brand} de nieuwe website heeft",
        (aspect("de balie", "vriendelijk|snel|behulpzaam", "traag|onvriendelijk|=een chaos",
                ["binnen tien minuten stond ik weer buiten", "de medewerker aan de balie legde alles geduldig uit"],
                ["ik stond {min} minuten in de rij en toen ging de balie dicht"]),
         aspect("het afspraaksysteem", "handig|overzichtelijk|=super simpel", "onhandig|omslachtig|=onmogelijk",
                ["ik kon dezelfde week nog terecht voor een nieuw paspoort"],
                ["ik kan pas over {k} weken terecht voor een nieuw rijbewijs",
                 "het afspraaksysteem geeft al dagen 'geen tijden beschikbaar'"]),
         aspect("de afhandeling", "snel|vlot|=netjes", "traag|=oneindig traag|=een chaos",
                ["mijn nieuwe paspoort lag binnen een week klaar",
                 "de melding over de kapotte lantaarnpaal werd binnen twee dagen opgepakt"],
                ["mijn aanvraag voor een parkeervergunning ligt al {k} maanden op de plank",
                 "de melding over de losliggende stoeptegels is na een halfjaar nog niet opgepakt",
                 "de afvalcontainer in onze straat is al {k} weken niet geleegd"]),
         aspect("de communicatie", "duidelijk|helder|=netjes", "onduidelijk|vaag|=onbegrijpelijk",
                ["ik kreeg een brief in gewone taal waarin alles stond"],
                ["de brief die ik kreeg is echt niet te begrijpen",
                 "ik heb {k} keer gebeld en iedereen zegt iets anders"]),
         aspect("de website", "overzichtelijk|duidelijk|handig", "onoverzichtelijk|=onvindbaar|=hopeloos verouderd",
                ["ik vond op de website binnen een minuut het juiste formulier"],
                ["het formulier op de website loopt vast bij de laatste stap"]),
         SERVICE),
        (("een nieuw paspoort", "aanvragen"), ("mijn verhuizing", "doorgeven"), ("grofvuil", "laten ophalen"),
         ("een parkeervergunning", "aanvragen"), ("een uittreksel uit de basisregistratie", "opvragen")),
        ("Is het stadhuis van {brand} op zaterdag open?", "Hoe lang duurt het voordat een nieuwe ID-kaart klaar is?",
         "Waar kan ik in {city} mijn oude matras kwijt?",
         "Weet iemand wanneer de nieuwe afvalkalender van {brand} uitkomt?",
         "Moet ik voor een dakkapel een vergunning aanvragen bij {brand}?"),
        ("ik kreeg een aanslag van {eur} euro voor een jaar waarin ik nog niet in {city} woonde",
         "mijn paspoort is gestolen en we vliegen over vijf dagen",
         "ik kreeg een brief dat mijn uitkering wordt stopgezet en ik snap niet waarom"),
        ("{brand} plaatst in {month} {n} nieuwe laadpalen in de wijk.",
         "Vanaf {month} wordt het gft-afval in {brand} om de week opgehaald.",
         "Het stadhuis van {brand} is op {weekday} gesloten vanwege een storing.",
         "{brand} start in {month} met de herinrichting van het marktplein.",
         "De gemeenteraad van {brand} stemt op {weekday} over het nieuwe parkeerbeleid."),
        ("vandaag mijn nieuwe paspoort opgehaald", "afspraak gemaakt bij {brand} voor {weekday}",
         "net de verhuizing doorgegeven aan {brand}", "vanochtend de aanslag gemeentelijke belastingen gekregen"),
        ("vandaag hebben we ons huis in {city} gekocht", "morgen trouwen we op het stadhuis",
         "net ons zoontje aangegeven, hij heet Sem"),
        ("de medewerker aan de balie", "{name} van burgerzaken", "de wijkagent", "de handhaver")),

    Domain(
        "healthcare", "zorgverlener", _w("Zorgkring|Medimere|Gezondheidscentrum De Linde|Gezondheidscentrum Rijnoever"),
        "sinds ik bij {brand} ben ingeschreven",
        (aspect("de huisarts", "betrokken|geduldig|=top|deskundig", "kortaf|ongeïnteresseerd|=onbereikbaar",
                ["de arts nam echt de tijd om alles uit te leggen",
                 "de huisarts belde 's avonds nog even om te vragen hoe het ging"],
                ["de huisarts keek niet eens op van zijn scherm", "ik werd na drie minuten weer de deur uit gewerkt"]),
         aspect("de assistente", "vriendelijk|behulpzaam|=super lief", "bot|kortaf|onvriendelijk",
                ["de assistente maakte meteen ruimte in de agenda toen mijn zoontje koorts had"],
                ["de assistente vond mijn klachten 'niet dringend genoeg' voor een afspraak"]),
         aspect("de wachttijd", "=kort|=prima", "lang|=absurd lang|=niet normaal",
                ["ik kon dezelfde dag nog terecht"],
                ["ik kan pas over {k} weken terecht", "ik zat {min} minuten na mijn afspraaktijd nog in de wachtkamer",
                 "de telefoon werd na {min} minuten wachten gewoon opgehangen"]),
         aspect("de vergoeding", "=snel geregeld|=netjes|=zonder gedoe", "=een gevecht|traag|=onduidelijk",
                ["mijn declaratie was binnen drie dagen vergoed"],
                ["mijn declaratie is na {k} maanden nog steeds niet vergoed",
                 "ze vergoeden ineens de fysiotherapie niet meer die vorig jaar wel gedekt was"]),
         aspect("de apotheek", "snel|behulpzaam|=goed geregeld", "traag|=chaotisch|=slecht geregeld",
                ["mijn medicijnen lagen dezelfde middag klaar"],
                ["mijn medicijnen waren weer eens niet op voorraad", "ik moest {k} keer terugkomen voor één recept"]),
         APP),
        (("een herhaalrecept", "aanvragen"), ("mijn dossier", "inzien"), ("een afspraak", "verzetten"),
         ("mijn zorgverzekering", "overzetten"), ("een verwijzing", "opvragen")),
        ("Doet {brand} ook avondspreekuren?", "Wordt fysiotherapie vergoed in het basispakket van {brand}?",
         "Hoe laat is de apotheek van {brand} op zaterdag open?",
         "Kan ik me bij {brand} inschrijven als ik in {city} woon?",
         "Heeft {brand} een e-consult?"),
        ("mijn zoon heeft al drie dagen hoge koorts en ik kan de praktijk niet bereiken",
         "ik heb na twee weken nog steeds geen uitslag van mijn bloedonderzoek",
         "ik kreeg per ongeluk de medicijnen van iemand anders mee van de apotheek",
         "mijn vergoeding van {brand} is afgewezen en ik kan die {eur} euro echt niet missen"),
        ("{brand} start in {month} met een avondspreekuur.",
         "De premie van {brand} stijgt volgend jaar met {eur} euro per maand.",
         "{brand} verhuist in {month} naar het nieuwe gezondheidscentrum in {city}.",
         "Vanaf {month} kun je bij {brand} ook online een afspraak maken.",
         "{brand} neemt vanaf {weekday} geen nieuwe patiënten meer aan."),
        ("vandaag bij de huisarts geweest voor een controle", "herhaalrecept aangevraagd bij {brand}",
         "net overgestapt naar de zorgverzekering van {brand}", "morgen bloed laten prikken"),
        ("vandaag te horen gekregen dat ik kankervrij ben", "we krijgen een tweeling",
         "na zes weken mag het gips er eindelijk af"),
        ("de huisarts", "de assistente", "{name} van de apotheek", "de verpleegkundige")),

    Domain(
        "products", "merk", _w("Velora|Nordika|Brixo|Solano"), "sinds ik de {product} van {brand} heb",
        (aspect("de kwaliteit", "=top|goed|degelijk", "=bagger|slecht|=ondermaats",
                ["mijn {product} werkt na {k} jaar nog als nieuw", "alles voelt stevig en goed afgewerkt"],
                ["mijn {product} was na {k} weken al kapot", "er zit nu al een barst in de behuizing"]),
         aspect("de accu", "=top|sterk|=prima", "=waardeloos|zwak|=om te huilen",
                ["de accu gaat makkelijk een hele week mee"],
                ["de accu is binnen een uur leeg", "de accu laadt na een paar maanden niet meer op"]),
         aspect("de garantie", "=netjes geregeld|=zonder gedoe|=top", "=een lachertje|=een gevecht",
                ["onder garantie kreeg ik zonder gedoe een nieuw exemplaar"],
                ["de garantie wordt geweigerd omdat ik de doos niet meer heb",
                 "mijn {product} is nu al {k} weken weg voor reparatie"]),
         aspect("het ontwerp", "mooi|strak|handig", "lelijk|onhandig|=onlogisch",
                ["hij was in vijf minuten in elkaar gezet", "de knoppen zitten precies waar je ze verwacht"],
                ["er ontbraken schroeven en de handleiding klopt niet"]),
         aspect("het geluid", "stil|helder|=prima", "=oorverdovend|hard|blikkerig",
                ["je hoort hem bijna niet als hij aanstaat"],
                ["hij maakt een herrie alsof er een vliegtuig opstijgt"]),
         PRICE, SERVICE),
        (("de software van mijn {product}", "updaten"), ("een reserveonderdeel", "bestellen"),
         ("de garantie", "claimen"), ("mijn {product}", "registreren")),
        ("Is de {product} van {brand} ook geschikt voor een klein appartement?",
         "Weet iemand of de {product} van {brand} ook in het zwart bestaat?",
         "Hoe lang gaat de accu van de {product} van {brand} gemiddeld mee?",
         "Waar in {city} kan ik de {product} van {brand} in het echt bekijken?",
         "Heeft iemand de nieuwe {product} van {brand} al getest?"),
        ("mijn {product} van {brand} wordt heel heet tijdens het laden",
         "er komt ineens een brandlucht uit mijn {product}",
         "ik las dat de {product} van {brand} wordt teruggeroepen en ik heb er net een gekocht"),
        ("{brand} roept een serie {product}s terug vanwege een fout in de stekker.",
         "{brand} brengt in {month} een nieuwe {product} uit.", "{brand} krijgt een prijs voor duurzaam ontwerp.",
         "{brand} verlengt de garantie op alle apparaten naar {k} jaar.",
         "Consumentenbond test {n} {product}s, die van {brand} eindigt in de middenmoot."),
        ("net de {product} van {brand} besteld", "vandaag de nieuwe {product} uitgepakt",
         "mijn oude {product} vervangen door een van {brand}", "de {product} van {brand} ligt sinds vandaag in huis"),
        ("eindelijk mijn eigen {product} na maanden sparen", "vandaag met pensioen, en als cadeau een nieuwe {product}",
         "net verhuisd en alles is nieuw"),
        ("{name} van de klantenservice", "de reparateur", "de medewerker in de winkel in {city}")),
)


# == building blocks: phrases that are not tied to a domain ======================================================
# Keyed by voice: "nl" standard Dutch, "vl" Flemish, "en" Dutch with English mixed in.

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "pos_open": {
        "nl": _w("Wauw.|Echt top!|Petje af!|Even een compliment voor {brand}.|Blij verrast door {brand}.|"
                 "Chapeau {brand}!|Kudos voor {brand}.|Super tevreden!|Nou, dit noem ik service.|Wat fijn!|"
                 "Eindelijk een bedrijf dat het snapt.|Zo, dat was makkelijk.|Heel blij mee!"),
        "vl": _w("Amai!|Zalig!|Keitof!|Proficiat {brand}!|Allee, dat is nog eens service!|Straf hoor!"),
        "en": _w("Big fan van {brand}!|Shoutout naar {brand}!|Props voor {brand}.|Wow, {brand} is echt next level."),
    },
    "pos_close": {
        "nl": _w("Aanrader!|Echt een aanrader.|Ga zo door!|Dikke duim!|Hier word ik blij van.|Zo hoort het.|"
                 "Kan niet beter.|Dank jullie wel!|Top!|Vijf sterren van mij.|Ik kom zeker terug.|"
                 "Blijf ik zeker klant.|"
                 "Helemaal tevreden.|Mega blij mee.|Kapot goed.|Vet!|Fantastisch.|Dikke tien.|Zeer tevreden!|"
                 "Hulde!|Hier kunnen anderen een puntje aan zuigen."),
        "vl": _w("Merci!|Zalig gewoon.|Keitof!|Da's nog eens service.|Echt plezant.|Ik kom zeker nog eens terug.|"
                 "Chapeau!|Nen dikke merci!"),
        "en": _w("10/10 would recommend.|Highly recommended!|Big fan!|Next level service.|Love it!|Keep it up!|"
                 "Customer service is echt next level."),
    },
    "neg_open": {
        "nl": _w("Wat een drama.|Ongelofelijk.|Ik ben er klaar mee.|Zo slecht dit.|Serieus {brand}?|"
                 "Dit slaat nergens op.|Hallo {brand}?!|Bizar gewoon.|Wtf {brand}.|Nou {brand}, bedankt voor niks.|"
                 "Ik ben zo boos.|Echt niet normaal meer.|Jongens toch.|Weer raak bij {brand}."),
        "vl": _w("Allee {brand}.|Amai, wat een miserie.|Da's toch niet normaal.|Ambetant!|"
                 "Zeg {brand}, wat is dat hier?|Ik ben het kotsbeu."),
        "en": _w("Epic fail, {brand}.|Seriously {brand}?|Wat een fail.|What the hell, {brand}.|Unbelievable."),
    },
    "neg_close": {
        "nl": _w("Nooit meer.|Echt kut.|Belachelijk.|Wat een amateurs.|Niet normaal.|Hier word ik zo moe van.|"
                 "Zwaar teleurgesteld.|Ik ga overstappen.|Blijf hier weg.|Afrader.|Om te huilen.|Bagger.|"
                 "Dit kan echt niet.|Schaam je.|Waardeloos.|Klantvriendelijk is anders.|Ik ben er helemaal klaar mee."),
        "vl": _w("Ambetant zeg.|Allee, dat kan toch niet.|Da's toch geen manier van werken.|Wat een miserie.|"
                 "Nooit meer, ge moogt het weten."),
        "en": _w("So done met dit bedrijf.|Worst service ever.|Epic fail.|Not impressed.|Never again."),
    },
    "sarc_open": {
        "nl": _w("Top service hoor|Goed bezig|Lekker bezig|Weer top geregeld|Echt geweldig|Wat een service|"
                 "Bedankt hoor|Klasse|Knap werk|Hulde|Heerlijk|Fijn hoor|Super geregeld weer"),
        "vl": _w("Amai, proficiat|Schoon werk|Allee, goed bezig|Zalig hoor"),
        "en": _w("Great job|Well done|Amazing service|Nice one"),
    },
    "sarc_tail": {
        "nl": _w("Echt geweldig.|Top geregeld weer.|Goed bezig hoor.|Klantvriendelijk hoor.|Dank je wel hoor.|"
                 "Wat een feest.|Fijn hoor.|Service van wereldklasse.|Heerlijk bedrijf.|Ga zo door.|"
                 "Wat een toppers.|Ik ben fan.|Echt een aanrader.|Vijf sterren!|Lekker dan."),
        "vl": _w("Proficiat.|Schoon zo.|Zalig.|Chapeau hoor."),
        "en": _w("Great job.|Amazing.|Love it.|Well done.|Best service ever."),
    },
    "mixed_close": {
        "nl": _w("Gemiddeld dus.|Niks bijzonders, niks ergs.|Zes min.|Het is wat het is.|Voor- en nadelen, zeg maar.|"
                 "Drie sterren.|Gemengde gevoelens.|Prima, niet meer en niet minder.|Niet goed, niet slecht.|"
                 "Geen aanrader, maar ook geen afrader.|Middelmatig.|Valt dus mee en tegen.|Je weet wat je krijgt.|"
                 "Volgende keer zien we wel weer.|Het houdt elkaar een beetje in evenwicht."),
        "vl": _w("Bon, 't is wat het is.|Soit, gemiddeld.|Niet slecht, niet goed, gewoon oké."),
        "en": _w("Average, zeg maar.|Mixed feelings.|It's okay, niet meer dan dat."),
    },
    "annoyed_tail": {
        "nl": _w("Hoe lang gaat dit nog duren?!|Wanneer wordt dit eindelijk opgelost?!|Waarom reageert niemand?!|"
                 "Is er bij jullie nog iemand wakker?|Hoe moeilijk kan het zijn?!|Waarom moet dit altijd zo moeizaam?!|"
                 "Wat gaan jullie hieraan doen?|Weet iemand bij {brand} eigenlijk wat ze aan het doen zijn?|"
                 "Wie gaat dit betalen?!|Wanneer krijg ik eindelijk antwoord?!|Is dit nou normaal?!|"
                 "Moet ik er soms zelf langskomen?!"),
        "vl": _w("Hoelang gaat dat nog duren?!|Wanneer gaat ge dat eens oplossen?!|Is er daar nog iemand die werkt?"),
        "en": _w("Seriously, hoe lang nog?!|Anyone home bij {brand}?|Wtf, waarom duurt dit zo lang?!"),
    },
    "annoyed_why": {
        "nl": _w("Waarom krijg ik al {days} dagen geen antwoord op mijn mails?!|"
                 "Waarom is het zo moeilijk om gewoon een mens aan de lijn te krijgen?!|"
                 "Waarom moet ik elke keer opnieuw mijn hele verhaal doen?!|"
                 "Waarom staat er op de website iets anders dan wat jullie aan de telefoon zeggen?!|"
                 "Hoe vaak moet ik nog bellen voordat iemand dit oplost?!|"
                 "Waarom beloven jullie dingen die jullie niet nakomen?!"),
        "vl": _w("Waarom krijg ik daar al {days} dagen geen antwoord op?!|"
                 "Hoe vaak moet ik nog bellen eer er iemand iets doet?!"),
        "en": _w("Waarom is jullie customer service zo slecht?!|Why, {brand}, waarom altijd weer dit?!"),
    },
    "ask_open": {
        "nl": _w("Hoi {at},|Hallo,|Vraagje:|Goedemiddag,|Goedemorgen,|Hé {at}!|Even een vraag:|Beste {brand},|"
                 "Hallo allemaal,|Hoi,"),
        "vl": _w("Dag {brand},|Hallo,|Goeiendag,|Hey,"),
        "en": _w("Quick question:|Hey {at},|Hi,"),
    },
    "ask_form": {
        "nl": _w("hoe kan ik {obj} {verb}?|weet iemand hoe ik {obj} kan {verb}?|kan ik {obj} ook online {verb}?|"
                 "ik wil {obj} {verb}, hoe werkt dat?|wat is de snelste manier om {obj} te regelen?|"
                 "kan iemand uitleggen hoe ik {obj} kan {verb}?|is het mogelijk {obj} via de app te regelen?|"
                 "waar kan ik {obj} {verb}?"),
        "vl": _w("weet er iemand hoe ik {obj} kan {verb}?|kunt ge mij zeggen hoe ik {obj} kan {verb}?|"
                 "hoe moet ik {obj} {verb}?"),
        "en": _w("hoe kan ik {obj} {verb}?|anyone een idee hoe ik {obj} kan {verb}?"),
    },
    "ask_close": {
        "nl": _w("Alvast bedankt!|Dank je!|Groetjes.|Bedankt voor de info.|Alvast dank.|Hoor graag van jullie."),
        "vl": _w("Merci alvast!|Dank u!|Groetjes."),
        "en": _w("Thanks!|Thanks in advance!|Cheers."),
    },
    "worry_open": {
        "nl": _w("Help,|Beetje nerveus:|Ik schrik me rot:|Ik maak me een beetje zorgen:|Paniek hier:|Eh, vraagje:|"
                 "Ik weet het even niet meer:"),
        "vl": _w("Amai, ik schrik me rot:|Ik ben er niet gerust in:|Help,"),
        "en": _w("Help,|Slight panic:|Okay, kinda stressed:"),
    },
    "worry_ask": {
        "nl": _w("Moet ik me zorgen maken?|Is dat normaal?|Wat moet ik nu doen?|Weet iemand wat dat betekent?|"
                 "Heeft iemand dit eerder gehad?|Komt dat nog goed?|Wat zijn mijn opties?|Kan iemand me helpen?"),
        "vl": _w("Is dat normaal?|Wat moet ik nu doen?|Weet er iemand raad?"),
        "en": _w("Is dat normaal?|Anyone? Wat moet ik doen?|Iemand ervaring hiermee?"),
    },
    "joy_mark": {
        "nl": _w("Super blij!|Zo veel zin in!|Kan niet wachten!|Heerlijk!|Zo blij!|Yes!|Eindelijk!|Wat een dag!"),
        "vl": _w("Zalig!|Amai, ik heb er zo'n goesting in!|Keiblij!"),
        "en": _w("So excited!|Can't wait!|Yes!"),
    },
}

SLANG_POS = _w("kapot goed|gewoon top|vet goed|echt de beste|mega goed|10/10|ziek goed|bizar goed|next level|"
               "never disappoints|keigoed|zalig|wat een toppers|is the best")
SLANG_NEG = _w("echt kut|bagger|wat een fail|om te huilen|waardeloos|een drama|never again|zo slecht|bizar slecht|"
               "kansloos|wat een prutsers|is echt de slechtste")

EMOJI_POS = _w("😍|👍|🙌|❤️|😊|🔥|💯|✨|🥰|👌|😁|🤩|💪|🥳|😍😍|👏")
EMOJI_NEG = _w("😡|🤬|😤|🙄|😩|👎|🤮|😭|😠|🤦‍♀️|🤦‍♂️|😒|💩|😤😤|🙄🙄")
EMOJI_SARCASM = _w("👏|👏👏|🙃|👌|🤡|😂|🙂|👍|🥳|🎉|😍|💯")  # praise emoji that clash with the bad fact
EMOJI_WORRY = _w("😟|😬|😰|🙈|😥")
EMOJI_QUESTION = _w("🤔|🙏|🙂")
EMOJI_MIXED = _w("🤷|🤷‍♀️|🤷‍♂️|😐")
EMOJI_NEWS = _w("📢|ℹ️|⚠️|📰")
TAGS_POS = _w("#aanrader|#blij|#topservice|#tevreden|#dankjewel|#happy")
TAGS_NEG = _w("#fail|#nooitmeer|#klantonvriendelijk|#waardeloos|#klaarmee|#boos")
TAGS_SARCASM = _w("#not|#topservice|#klantvriendelijk|#goedbezig|#sarcasme")

STRONG_POS = _w("echt|heel erg|super|ontzettend|mega|bizar|enorm|zó")
STRONG_NEG = _w("echt|heel erg|super|ontzettend|zwaar|bizar|mega|enorm|echt heel")
STRONG_FLAT = _w("echt|gewoon|werkelijk")
SOFT_POS = _w("best wel|vrij|behoorlijk|best")
SOFT_NEG = _w("een beetje|best wel|nogal|wat|vrij|ietwat")
NEUTRAL_PRED = _w("normaal|gemiddeld|oké|zoals verwacht|niks bijzonders|standaard")

# Happy or grumpy personal news that is not about any product or service: sentiment without a compliment or complaint.
LIFE_POS = _w("Eindelijk weekend|Net mijn rijbewijs gehaald|Onze dochter heeft vandaag haar eerste stapjes gezet|"
              "Zo trots op mijn broertje, hij is geslaagd|Vandaag de marathon van {city} uitgelopen|"
              "Wat een heerlijke zomeravond in {city}|De eerste aardbeien uit eigen tuin|Net verloofd|"
              "Onze club heeft gewonnen|Vandaag vijf jaar samen|Mijn oma wordt vandaag negentig|"
              "Eindelijk mijn scriptie ingeleverd|Vanochtend een puppy opgehaald|Vrij tot en met {weekday}")
LIFE_POS_TAIL = _w("Wat een dag!|Zo blij!|Heerlijk.|Leven is mooi.|Genieten!|Ik kan wel huilen van geluk.|"
                   "Dit maakt mijn week goed.|Beter wordt het niet.|Zalig.|So happy!")
LIFE_NEG = _w("Maandagochtend en het regent alweer|Mijn fiets is gestolen bij het station in {city}|"
              "Hoofdpijn en drie deadlines vandaag|Onze club heeft weer verloren|Het is pas {weekday} en ik ben al op|"
              "De kat heeft over mijn laptop gekotst|Weer griep in huis|Het is al de derde dag grijs en koud|"
              "Mijn telefoon in de gracht laten vallen|Gezakt voor mijn rijexamen|"
              "Buren zijn al om zes uur aan het boren|De koffie is op")
LIFE_NEG_TAIL = _w("Balen.|Zucht.|Wat een dag.|Kan deze week al voorbij zijn?|Echt kut.|Zo chagrijnig nu.|"
                   "Ik trek het niet meer.|Rotdag.|Mood: slecht.|Waarom altijd ik?")

REVIEW_OPEN = _w("Even mijn ervaring met {brand} delen.|Review {brand}:|Vorige maand voor het eerst bij {brand}.|"
                 "Ik ben nu {k} jaar klant bij {brand}.|Eerlijke review van {brand}.|"
                 "Mijn ervaring met {brand}, voor wie twijfelt.|Vorige week met {brand} te maken gehad.|"
                 "Lang getwijfeld of ik dit zou schrijven, maar hier gaat ie.|Update over {brand}:|"
                 "Ervaring van afgelopen weekend.|Voor wie overweegt om met {brand} in zee te gaan:")
# One-line reflections that lengthen a review without changing its polarity.
REFLECTION_POS = _w("Ik had eerlijk gezegd weinig verwachtingen, maar ik ben echt omver geblazen.|"
                    "Mijn partner was eerst sceptisch, maar is nu ook fan.|Zo zou het overal moeten gaan.|"
                    "Ik heb het inmiddels aan mijn hele familie aangeraden.|"
                    "Zelfs mijn kritische schoonmoeder was onder de indruk.|"
                    "Na alle slechte ervaringen elders is dit echt een verademing.")
REFLECTION_NEG = _w("Ik heb echt geprobeerd geduldig te blijven, maar nu is de maat vol.|"
                    "Ik ben al jaren klant en zo ben ik nog nooit behandeld.|"
                    "Mijn partner zei het al: begin er niet aan.|"
                    "Ik heb alles vastgelegd met screenshots, voor wie het niet gelooft.|"
                    "Het ergste is nog dat niemand zich verantwoordelijk voelt.|"
                    "Ik heb inmiddels een officiële klacht ingediend en wacht af.")

VOICE_WEIGHTS = (("nl", 70), ("vl", 16), ("en", 14))


# == composition ==================================================================================================

_SLOT = re.compile(r"\{(\w+)\}")


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def sent(s: str, end: str = ".") -> str:
    """A sentence: first letter up, final punctuation added when missing."""
    s = s.strip()
    return cap(s) + ("" if s[-1] in ".!?…:" else end)


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


class Ctx:
    """Everything one text draws from: its domain, voice, brand, slot values and a supply of distinct aspects."""

    def __init__(self, rng: random.Random, domain: Domain, voice: str):
        self.rng, self.d, self.voice = rng, domain, voice
        self.brand, brand2 = rng.sample(domain.brands, 2)
        handle = re.sub(r"\W", "", self.brand.replace("&", "en"))
        cities = CITIES_BE if voice == "vl" else CITIES_NL
        city, city2 = rng.sample(cities, 2)
        self.past = rng.random() < 0.7
        self.slots = {
            "brand": self.brand, "brand2": brand2,
            "at": "@" + handle + HANDLE_SUFFIXES[len(self.brand) % len(HANDLE_SUFFIXES)],
            "city": city, "city2": city2, "region": rng.choice(REGIONS), "dest": rng.choice(DESTINATIONS),
            "month": rng.choice(MONTHS), "weekday": rng.choice(WEEKDAYS), "name": rng.choice(FIRST_NAMES),
            "fullname": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}", "product": rng.choice(PRODUCTS),
            "min": str(rng.randrange(15, 100, 5)), "days": str(rng.randint(2, 12)), "k": str(rng.randint(3, 6)),
            "hours": str(rng.randint(2, 7)), "eur": str(rng.choice([12, 25, 38, 49, 60, 75, 89, 120, 149, 250, 310])),
            "pct": str(rng.randint(3, 15)), "n": str(rng.randint(2, 40)),
            "time": f"{rng.randint(6, 22)}:{rng.choice(['00', '15', '30', '45', '08', '52'])}",
        }
        self._aspects = rng.sample(domain.aspects, len(domain.aspects))
        self._used = 0

    def fill(self, s: str) -> str:
        return _SLOT.sub(lambda m: self.slots.get(m.group(1), m.group(0)), s)

    def pick(self, seq: tuple[str, ...] | list[str]) -> str:
        return self.fill(self.rng.choice(seq))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def say(self, key: str) -> str:
        """A phrase from PHRASES in this text's voice (Flemish or English texts still mostly speak standard Dutch)."""
        pools = PHRASES[key]
        voice = self.voice if self.voice != "nl" and self.chance(0.6) else "nl"
        return self.pick(pools[voice])

    def aspect(self) -> Aspect:
        """The next aspect: distinct within a text, so a contrast never praises and blames the same thing."""
        a = self._aspects[self._used % len(self._aspects)]
        self._used += 1
        return a

    def be(self, a: Aspect) -> str:
        return ("waren" if a.plural else "was") if self.past else ("zijn" if a.plural else "is")

    def adj(self, a: Aspect, good: bool, degree: str = "plain") -> str:
        """A predicative adjective for the aspect, with an intensifier ("strong") or softener ("soft")."""
        words = a.good if good else a.bad
        if degree == "soft":
            gradable = [w for w in words if not w.startswith("=")]
            if not gradable:  # "=een lachertje" cannot be softened: say something mild instead
                return "best oké" if good else "niet helemaal top"
            mod = self.rng.choice(SOFT_POS if good else SOFT_NEG)
            return f"{mod} {self.rng.choice(gradable)}"
        word = self.rng.choice(words)
        if degree == "plain" or (degree == "maybe" and self.chance(0.5)):
            return word.lstrip("=")
        if word.startswith("="):
            return f"{self.rng.choice(STRONG_FLAT)} {word[1:]}"
        if self.voice == "vl" and self.chance(0.4):
            return "kei" + word
        return f"{self.rng.choice(STRONG_POS if good else STRONG_NEG)} {word}"

    def pred(self, a: Aspect, good: bool, degree: str = "plain") -> str:
        """ "de levering was echt supersnel" """
        return f"{a.np} {self.be(a)} {self.adj(a, good, degree)}"

    def fact(self, a: Aspect, good: bool) -> str:
        return self.pick(a.good_facts if good else a.bad_facts)

    def mention(self, p: float) -> str:
        return self.slots["at"] if self.chance(p) else ""

    def emoji(self, pool: tuple[str, ...], p: float) -> str:
        return self.rng.choice(pool) if self.chance(p) else ""

    def tag(self, pool: tuple[str, ...], p: float) -> str:
        return self.rng.choice(pool) if self.chance(p) else ""

    def choose(self, *layouts: Callable[[], str]) -> str:
        return self.rng.choice(layouts)()

    def voiced(self, nl: Callable[[], str], vl: Callable[[], str], en: Callable[[], str]) -> str:
        """The layout written for this text's voice."""
        return {"nl": nl, "vl": vl, "en": en}[self.voice]()



# == structures: each one fixes sentiment and intent ==============================================================
# Every function returns clean text for its labels; noise comes later (see ``roughen``).

def complaint_plain(c: Ctx) -> str:
    a, b = c.aspect(), c.aspect()
    body = c.choose(
        lambda: sent(c.fact(a, False)),
        lambda: sent(c.pred(a, False, "strong"), "!") + " " + sent(c.fact(b, False)),
        lambda: sent(f"{c.fact(a, False)} en {c.fact(b, False)}"),
        lambda: sent(f"{a.np} van {c.brand} {c.be(a)} {c.adj(a, False, 'strong')}", "!"),
        lambda: sent(c.fact(a, False)) + " " + sent(c.pred(b, False, "maybe")),
        lambda: sent(f"{c.fact(a, False)}. Daarbovenop {c.be(b)} {b.np} {c.adj(b, False, 'strong')}"),
    )
    return join(c.mention(0.35), c.say("neg_open") if c.chance(0.5) else "", body,
                c.say("neg_close") if c.chance(0.6) else "", c.emoji(EMOJI_NEG, 0.45), c.tag(TAGS_NEG, 0.12))


def complaint_negated(c: Ctx) -> str:
    """Negated praise or negation that is negative: "niet echt tevreden", "niet bepaald snel", "nooit meer"."""
    a, b = c.aspect(), c.aspect()
    gradable_good = [w for w in a.good if not w.startswith("=")] or ["goed"]
    body = c.choose(
        lambda: f"Niet echt tevreden over {a.np}. " + sent(c.fact(a, False)),
        lambda: sent(f"{a.np} {c.be(a)} niet bepaald {c.rng.choice(gradable_good)}") + " " + sent(c.fact(b, False)),
        lambda: f"Dit was niet de beste ervaring met {c.brand}. " + sent(c.fact(a, False)),
        lambda: f"Nooit meer {c.brand}. " + sent(c.fact(a, False)),
        lambda: sent(f"{a.np} {c.be(a)} helemaal niet {c.rng.choice(gradable_good)}", "!") + " "
                + sent(c.fact(a, False)),
        lambda: f"Ik ben er niet blij mee: {c.fact(a, False)}.",
        lambda: f"Van service is bij {c.brand} geen sprake: {c.fact(a, False)}.",
        lambda: f"Niet oké, {c.brand}. " + sent(c.fact(a, False)),
        lambda: "Kan niet zeggen dat ik tevreden ben. " + sent(c.fact(a, False)),
        lambda: f"Geen enkele reactie op mijn klacht, en {c.fact(a, False)}.",
        lambda: f"Ik zou {c.brand} aan niemand aanraden. " + sent(c.fact(a, False)),
        lambda: f"Niet goed geregeld, {c.brand}. " + sent(c.fact(a, False)),
        lambda: c.voiced(nl=lambda: f"Ontevreden is nog zacht uitgedrukt. {sent(c.fact(a, False))}",
                         vl=lambda: f"Ik ben daar nu echt niet content mee: {c.fact(a, False)}.",
                         en=lambda: f"Not happy met {c.brand}. " + sent(c.fact(a, False))),
    )
    return join(c.mention(0.25), body, c.say("neg_close") if c.chance(0.35) else "",
                c.emoji(EMOJI_NEG, 0.35), c.tag(TAGS_NEG, 0.08))


def sarcasm(c: Ctx) -> str:
    """Sarcastic praise of a bad fact: praise words and clashing emoji, but the author complains."""
    a, b = c.aspect(), c.aspect()
    who = c.slots["at"] if c.chance(0.5) else c.brand
    body = c.choose(
        lambda: f"{c.say('sarc_open')} {who}, {c.fact(a, False)}",
        lambda: f"{c.say('sarc_open')} {who}, {c.fact(a, False)}.",
        lambda: sent(c.fact(a, False)) + " " + c.say("sarc_tail"),
        lambda: f"Dank je {who}, {c.fact(a, False)}. " + c.say("sarc_tail"),
        lambda: f"Weer een topdag met {c.brand}: {c.fact(a, False)}.",
        lambda: f"Wat een heerlijk bedrijf is {c.brand} toch. " + sent(c.fact(a, False)) + " " + sent(c.fact(b, False)),
        lambda: f"Lekker dan, {c.brand}: {c.fact(a, False)}.",
        lambda: sent(f"{a.np} {c.be(a)} weer eens {c.adj(a, False)}") + " " + c.say("sarc_tail"),
        lambda: f"Zo fijn, {c.brand}. " + sent(c.fact(a, False)) + " Echt genieten zo.",
    )
    return join(body, c.emoji(EMOJI_SARCASM, 0.75), c.tag(TAGS_SARCASM, 0.15))


def contrast_negative(c: Ctx) -> str:
    """A small positive remark, then the grievance that dominates: negative complaint."""
    a, b, d = c.aspect(), c.aspect(), c.aspect()
    body = c.choose(
        lambda: f"{sent(c.pred(a, True))[:-1]}, maar {c.fact(b, False)}. " + c.say("neg_close"),
        lambda: f"Op zich {c.be(a)} {a.np} {c.adj(a, True)}, maar {c.fact(b, False)} en {c.fact(d, False)}.",
        lambda: f"Enige pluspunt: {c.pred(a, True)}. Voor de rest een drama: {c.fact(b, False)}.",
        lambda: sent(c.fact(b, False))
                + f" {cap(a.np)} {c.be(a)} dan wel {c.adj(a, True)}, maar daar heb ik weinig aan.",
        lambda: f"{cap(a.bare)} prima hoor, maar {c.fact(b, False)}. " + sent(c.pred(d, False, "strong")),
        lambda: sent(c.fact(a, True)) + " Dat was ook het enige. " + sent(c.fact(b, False)) + " "
                + sent(c.fact(d, False)) + " " + c.say("neg_close"),
        lambda: f"Ik wil best zeggen dat {a.np} {c.adj(a, True)} {c.be(a)}, maar {c.fact(b, False)}. Onacceptabel.",
    )
    return join(c.mention(0.25), body, c.emoji(EMOJI_NEG, 0.35), c.tag(TAGS_NEG, 0.08))


def annoyed_question(c: Ctx) -> str:
    """A question where annoyance dominates: a complaint, not a question."""
    a = c.aspect()
    body = c.choose(
        lambda: sent(c.fact(a, False)) + " " + c.say("annoyed_tail"),
        lambda: c.say("annoyed_why"),
        lambda: c.say("annoyed_why") + " " + sent(c.fact(a, False)),
        lambda: sent(c.fact(a, False)) + " " + c.say("annoyed_why"),
        lambda: f"Serieuze vraag aan {c.brand}: {c.fact(a, False)}. Hoe kan dat?!",
    )
    return join(c.mention(0.45), body, c.emoji(EMOJI_NEG, 0.35), c.tag(TAGS_NEG, 0.06))


def warning(c: Ctx) -> str:
    a, b = c.aspect(), c.aspect()
    body = c.choose(
        lambda: f"Let op met {c.brand}! " + sent(c.fact(a, False)),
        lambda: f"Doe jezelf een plezier en blijf weg bij {c.brand}. " + sent(c.fact(a, False)),
        lambda: f"Overweeg je {c.brand}? Niet doen. " + sent(c.fact(a, False)) + " " + sent(c.fact(b, False)),
        lambda: f"Waarschuwing voor iedereen in {c.slots['city']}: {c.fact(a, False)}. Echt opletten dus.",
        lambda: f"Ik zeg het maar even: mijd {c.brand}. " + sent(f"{c.fact(a, False)} en {c.fact(b, False)}"),
        lambda: f"PSA: {c.brand} is echt geen aanrader. " + sent(c.fact(a, False)),
    )
    return join(body, c.emoji(EMOJI_NEG, 0.3), c.tag(TAGS_NEG, 0.2))


def complaint_short(c: Ctx) -> str:
    a = c.aspect()
    return c.choose(
        lambda: join(c.brand, c.rng.choice(SLANG_NEG), c.rng.choice(EMOJI_NEG)),
        lambda: join(f"Nooit meer {c.brand}", c.rng.choice(EMOJI_NEG)),
        lambda: join(f"{cap(a.bare)} bij {c.brand}: {c.adj(a, False, 'maybe')}.", c.rng.choice(EMOJI_NEG)),
        lambda: join(c.slots["at"], c.rng.choice(SLANG_NEG) + ".", c.rng.choice(EMOJI_NEG) * 2),
    )


def _review(c: Ctx, good: bool) -> str:
    """A review of one polarity: an opening fact, three to seven judgements, sometimes a reflection, in paragraphs."""
    a, b, d = c.aspect(), c.aspect(), c.aspect()
    first = [c.pick(REVIEW_OPEN), sent(c.fact(a, good))]
    second = [sent(c.pred(b, good, "strong")), sent(c.fact(d, good))]
    if c.chance(0.5):
        second.insert(1, sent(c.fact(b, good)))
    paragraphs = [first, second]
    if c.chance(0.4):  # a longer review: more aspects and a reflection
        e, f = c.aspect(), c.aspect()
        paragraphs.append([sent(c.fact(e, good)), sent(c.pred(f, good, "maybe")),
                           c.rng.choice(REFLECTION_POS if good else REFLECTION_NEG)])
    paragraphs[-1].append(c.say("pos_close" if good else "neg_close"))
    sep = "\n\n" if c.chance(0.35) else " "
    return sep.join(" ".join(p) for p in paragraphs)


def complaint_review(c: Ctx) -> str:
    """A longer negative review, maybe with a star rating."""
    return join(c.rng.choice(["⭐", "1/5", "★☆☆☆☆", "Eén ster, en dat is nog te veel."]) if c.chance(0.35) else "",
                _review(c, False), c.emoji(EMOJI_NEG, 0.3))


def complaint_formal(c: Ctx) -> str:
    a, b = c.aspect(), c.aspect()
    return (f"Geachte heer/mevrouw,\n\nHierbij dien ik een klacht in over {a.np}. {sent(c.fact(a, False))} "
            f"{sent(c.fact(b, False))} Ik verzoek u dit zo spoedig mogelijk op te lossen.\n\n"
            f"Met vriendelijke groet,\n{c.slots['fullname']}")


def compliment_plain(c: Ctx) -> str:
    a, b = c.aspect(), c.aspect()
    body = c.choose(
        lambda: sent(c.fact(a, True)),
        lambda: sent(c.pred(a, True, "strong"), "!") + " " + sent(c.fact(b, True)),
        lambda: sent(f"{c.fact(a, True)} en {c.pred(b, True, 'maybe')}"),
        lambda: sent(f"{a.np} van {c.brand} {c.be(a)} {c.adj(a, True, 'strong')}", "!"),
        lambda: sent(c.pred(a, True, "soft")) + " " + sent(c.fact(b, True)),
        lambda: sent(f"{c.fact(a, True)}. Bovendien {c.be(b)} {b.np} {c.adj(b, True, 'maybe')}"),
    )
    return join(c.mention(0.3), c.say("pos_open") if c.chance(0.5) else "", body,
                c.say("pos_close") if c.chance(0.6) else "", c.emoji(EMOJI_POS, 0.5), c.tag(TAGS_POS, 0.1))


def compliment_negated(c: Ctx) -> str:
    """Negation that is positive: "niet slecht", "geen enkele klacht", "nooit meer problemen gehad"."""
    a, b = c.aspect(), c.aspect()
    gradable_bad = [w for w in a.bad if not w.startswith("=")] or ["slecht"]
    body = c.choose(
        lambda: f"Niet slecht, {c.brand}! " + sent(c.pred(a, True)),
        lambda: f"Geen enkele klacht over {a.np}. " + sent(c.fact(a, True)),
        lambda: f"Nooit meer problemen gehad {c.fill(c.d.loyal)}. " + sent(c.fact(a, True)),
        lambda: f"Ik kan echt niet klagen over {a.np}, {c.fact(a, True)}.",
        lambda: sent(f"{a.np} {c.be(a)} echt niet verkeerd") + " " + sent(c.fact(b, True)),
        lambda: f"Niet dat ik iets te klagen had, integendeel: {c.fact(a, True)}.",
        lambda: f"Had niet verwacht dat {a.np} zo {c.adj(a, True)} zou{'den' if a.plural else ''} zijn. "
                + sent(c.fact(a, True)),
        lambda: f"Nul problemen met {a.np}. " + sent(c.fact(b, True)),
        lambda: f"Nooit gedacht dat ik dit over een {c.d.kind} zou zeggen, maar {c.fact(a, True)}.",
        lambda: f"Dit was zeker niet mijn laatste keer bij {c.brand}. " + sent(c.fact(a, True)),
        lambda: sent(f"{a.np} {c.be(a)} helemaal niet {c.rng.choice(gradable_bad)}, ondanks alle verhalen") + " "
                + sent(c.fact(a, True)),
        lambda: f"Niks op aan te merken: {c.fact(a, True)}.",
        lambda: c.voiced(nl=lambda: f"Geen centje pijn met {c.brand}, {c.fact(a, True)}.",
                         vl=lambda: f"Nooit geen problemen gehad met {a.np}, echt waar.",
                         en=lambda: f"Zero complaints hier, {c.pred(a, True)}."),
    )
    return join(c.mention(0.2), body, c.say("pos_close") if c.chance(0.4) else "", c.emoji(EMOJI_POS, 0.4))


def contrast_positive(c: Ctx) -> str:
    """Mostly praise with one small minus: still a positive compliment."""
    a, b, d = c.aspect(), c.aspect(), c.aspect()
    body = c.choose(
        lambda: sent(c.fact(a, True)) + f" Enige minpuntje: {c.pred(b, False, 'soft')}. Verder top!",
        lambda: sent(f"{c.pred(a, True, 'strong')} en {c.fact(d, True)}")
                + f" Alleen jammer van {b.np}, maar dat mag de pret niet drukken.",
        lambda: f"Klein dingetje: {c.pred(b, False, 'soft')}. Maar verder: {c.fact(a, True)}. " + c.say("pos_close"),
        lambda: f"Op {b.np} na helemaal perfect. " + sent(c.fact(a, True)) + " " + sent(c.pred(d, True, "maybe")),
        lambda: sent(c.pred(a, True, "strong")) + " " + sent(c.fact(d, True))
                + f" Oké, {c.pred(b, False, 'soft')}, maar who cares.",
        lambda: f"Ondanks dat {b.np} {c.adj(b, False, 'soft')} {c.be(b)}: dikke aanrader. " + sent(c.fact(a, True)),
    )
    return join(c.mention(0.2), body, c.emoji(EMOJI_POS, 0.4))


def thanks(c: Ctx) -> str:
    a = c.aspect()
    staff = c.pick(c.d.staff)
    body = c.choose(
        lambda: f"Dank aan {staff} van {c.brand}: {c.fact(a, True)}.",
        lambda: f"Bedankt {c.slots['at']}! " + sent(c.fact(a, True)),
        lambda: f"Even een groot compliment voor {staff}: {c.fact(a, True)}.",
        lambda: f"Wat een held, {staff}. " + sent(c.fact(a, True)),
        lambda: f"Dankjewel {c.brand}, {c.fact(a, True)}!",
        lambda: f"Ik wil {staff} echt bedanken. " + sent(c.fact(a, True)),
        lambda: c.voiced(nl=lambda: f"Hulde aan {staff}! " + sent(c.fact(a, True)),
                         vl=lambda: f"Nen dikke merci aan {staff}, {c.fact(a, True)}!",
                         en=lambda: f"Big thanks aan {staff}! " + sent(c.fact(a, True))),
    )
    return join(body, c.say("pos_close") if c.chance(0.4) else "", c.emoji(EMOJI_POS, 0.55), c.tag(TAGS_POS, 0.1))


def recommend(c: Ctx) -> str:
    a, b = c.aspect(), c.aspect()
    return join(c.choose(
        lambda: f"Kan {c.brand} iedereen aanraden: {c.fact(a, True)}.",
        lambda: f"Twijfel je nog over {c.brand}? Gewoon doen. " + sent(c.fact(a, True)),
        lambda: f"Op zoek naar {c.d.good}? {c.brand}. " + sent(c.fact(a, True)) + " " + sent(c.pred(b, True, "maybe")),
        lambda: f"Tip voor iedereen in {c.slots['city']}: {c.brand}. " + sent(c.fact(a, True)),
        lambda: f"Ik blijf {c.brand} aanraden aan vrienden. " + sent(c.pred(a, True, "strong")),
    ), c.emoji(EMOJI_POS, 0.5), c.tag(TAGS_POS, 0.2))


def compliment_short(c: Ctx) -> str:
    a = c.aspect()
    return c.choose(
        lambda: join(c.brand, c.rng.choice(SLANG_POS), c.rng.choice(EMOJI_POS)),
        lambda: join(c.slots["at"], c.rng.choice(EMOJI_POS) * 2, c.rng.choice(SLANG_POS)),
        lambda: join(f"{cap(a.bare)} bij {c.brand}: {c.adj(a, True, 'maybe')}!", c.rng.choice(EMOJI_POS)),
        lambda: join(f"Altijd blij met {c.brand}", c.rng.choice(EMOJI_POS)),
    )


def compliment_review(c: Ctx) -> str:
    """A longer positive review, maybe with a star rating."""
    return join(c.rng.choice(["⭐⭐⭐⭐⭐", "5/5", "★★★★★", "Tien uit tien."]) if c.chance(0.35) else "",
                _review(c, True), c.emoji(EMOJI_POS, 0.3))


def compliment_formal(c: Ctx) -> str:
    a, b = c.aspect(), c.aspect()
    return (f"Geachte heer/mevrouw,\n\nGraag laat ik u weten hoe tevreden ik ben over {a.np}. {sent(c.fact(a, True))} "
            f"{sent(c.fact(b, True))} Mijn complimenten aan iedereen die daaraan heeft bijgedragen.\n\n"
            f"Met vriendelijke groet,\n{c.slots['fullname']}")


def _plain_question(c: Ctx) -> str:
    if c.chance(0.45):
        return c.pick(c.d.questions)
    obj, verb = c.rng.choice(c.d.actions)
    form = c.say("ask_form")
    return cap(form.replace("{obj}", c.fill(obj)).replace("{verb}", c.fill(verb)))


def question_neutral(c: Ctx) -> str:
    context = c.pick(_w("Ik woon sinds kort in {city}.|Ik ben nieuw hier.|Ik kon het niet vinden op de website.|"
                        "Ik vraag het voor mijn moeder.|Ik vraag het voor een vriend.|Misschien een domme vraag."))
    opener = c.say("ask_open") if c.chance(0.55) else c.mention(0.3)
    rest = join(context if c.chance(0.3) else "", _plain_question(c))
    if opener.endswith((",", ":")):
        rest = rest[0].lower() + rest[1:]  # "Hallo, ik verhuis ..." / "Vraagje: hoe kan ik ..."
    return join(opener, rest, c.say("ask_close") if c.chance(0.35) else "", c.emoji(EMOJI_QUESTION, 0.12))


def question_formal(c: Ctx) -> str:
    obj, verb = c.rng.choice(c.d.actions)
    # a second question, addressed to the organisation rather than to "iemand" on a forum
    extra = re.sub(r"^Weet iemand (of|wanneer) ", r"Kunt u mij vertellen \1 ", c.pick(c.d.questions))
    extra = "" if "iemand" in extra.lower() else " " + extra
    return (f"Geachte heer/mevrouw,\n\nGraag zou ik willen weten hoe ik {c.fill(obj)} kan {c.fill(verb)}.{extra}"
            f"\n\nAlvast hartelijk dank voor uw antwoord.\n\nMet vriendelijke groet,\n{c.slots['fullname']}")


def question_worried(c: Ctx) -> str:
    """Worry, not a grievance: a negative question."""
    worry = c.pick(c.d.worries)
    return join(c.mention(0.25), c.choose(
        lambda: f"{c.say('worry_open')} {worry}. {c.say('worry_ask')}",
        lambda: f"{sent(worry)} {c.say('worry_ask')}",
        lambda: f"{sent(worry)} Ik maak me echt zorgen. {c.say('worry_ask')}",
    ), c.emoji(EMOJI_WORRY, 0.5))


def question_enthusiastic(c: Ctx) -> str:
    """Happy personal news, then a practical question: a positive question."""
    question = _plain_question(c)
    if c.chance(0.3):
        question = "Vraagje: " + question[0].lower() + question[1:]
    return join(sent(c.pick(c.d.joys), "!"), c.say("joy_mark") if c.chance(0.6) else "",
                c.emoji(EMOJI_POS, 0.5), question)


def news(c: Ctx) -> str:
    item = c.pick(c.d.news)
    tld = "be" if c.voice == "vl" else "nl"
    slug = re.sub(r"\W", "", c.brand.lower())
    link = f"Meer info: https://www.{slug}.{tld}/{c.rng.choice(['nieuws', 'actueel', 'pers', 'info'])}"
    return join(c.rng.choice(["", "", "Nieuws:", "Update:", "Ter info:", "Let op:", c.emoji(EMOJI_NEWS, 1)]),
                item, link if c.chance(0.25) else "",
                f"#{c.slots['city'].replace(' ', '').replace('-', '')}" if c.chance(0.15) else "")


def neutral_note(c: Ctx) -> str:
    return join(sent(c.pick(c.d.notes)), c.rng.choice(
        ["", "", "Eens kijken hoe het bevalt.", "We gaan het zien.", "Benieuwd.", "Wordt vervolgd.",
         "Zo, dat is ook weer geregeld.", "Volgende week meer."]))


def mixed_review(c: Ctx) -> str:
    """Good and bad roughly in balance, with a neutral verdict: neutral, other."""
    a, b, d, e = c.aspect(), c.aspect(), c.aspect(), c.aspect()
    body = c.choose(
        lambda: f"{cap(a.bare)} {c.adj(a, True)}, {b.bare} {c.adj(b, False)}, {d.bare} {c.rng.choice(NEUTRAL_PRED)}.",
        lambda: f"{sent(c.fact(a, True))[:-1]}, maar {c.fact(b, False)}.",
        lambda: (f"Pluspunten: {a.bare} {c.adj(a, True)}, {d.bare} {c.adj(d, True)}. "
                 f"Minpunten: {b.bare} {c.adj(b, False)}, {e.bare} {c.adj(e, False)}."),
        lambda: f"{cap(c.pred(a, True, 'soft'))}, {c.pred(b, False, 'soft')}.",
        lambda: f"{cap(a.np)} {c.be(a)} prima, {b.np} wat minder.",
        lambda: f"{c.pick(REVIEW_OPEN)} {sent(c.fact(a, True))} Aan de andere kant: {c.fact(b, False)}.",
        lambda: f"Goed: {c.fact(a, True)}. Minder goed: {c.fact(b, False)}.",
    )
    stars = c.rng.choice(["⭐⭐⭐", "3/5", "★★★☆☆", "2,5 ster."]) if c.chance(0.25) else ""
    return join(stars, body, c.say("mixed_close"), c.emoji(EMOJI_MIXED, 0.15))


def positive_other(c: Ctx) -> str:
    """Happy, but not about a product or service: positive, other."""
    return c.choose(
        lambda: join(sent(c.pick(LIFE_POS), "!"), c.pick(LIFE_POS_TAIL), c.emoji(EMOJI_POS, 0.6)),
        lambda: join(sent(c.pick(c.d.joys), "!"), c.say("joy_mark"), c.emoji(EMOJI_POS, 0.6)),
    )


def negative_other(c: Ctx) -> str:
    """Grumpy, but not about a product or service: negative, other."""
    return join(sent(c.pick(LIFE_NEG)), c.pick(LIFE_NEG_TAIL), c.emoji(EMOJI_NEG, 0.5))


@dataclass(frozen=True)
class Structure:
    build: Callable[[Ctx], str]
    sentiment: str
    intent: str
    weight: float  # share of the output, before normalising
    casual: bool = True  # False: formal mail or news, spared Flemish swaps, abbreviations and case noise


STRUCTURES: dict[str, Structure] = {
    "complaint_plain": Structure(complaint_plain, "negative", "complaint", 0.07),
    "complaint_negated": Structure(complaint_negated, "negative", "complaint", 0.045),
    "sarcasm": Structure(sarcasm, "negative", "complaint", 0.06),
    "contrast_negative": Structure(contrast_negative, "negative", "complaint", 0.045),
    "annoyed_question": Structure(annoyed_question, "negative", "complaint", 0.03),
    "warning": Structure(warning, "negative", "complaint", 0.015),
    "complaint_short": Structure(complaint_short, "negative", "complaint", 0.01),
    "complaint_review": Structure(complaint_review, "negative", "complaint", 0.025),
    "complaint_formal": Structure(complaint_formal, "negative", "complaint", 0.01, casual=False),
    "question_worried": Structure(question_worried, "negative", "question", 0.025),
    "negative_other": Structure(negative_other, "negative", "other", 0.02),
    "compliment_plain": Structure(compliment_plain, "positive", "compliment", 0.08),
    "compliment_negated": Structure(compliment_negated, "positive", "compliment", 0.055),
    "contrast_positive": Structure(contrast_positive, "positive", "compliment", 0.04),
    "thanks": Structure(thanks, "positive", "compliment", 0.045),
    "recommend": Structure(recommend, "positive", "compliment", 0.02),
    "compliment_short": Structure(compliment_short, "positive", "compliment", 0.015),
    "compliment_review": Structure(compliment_review, "positive", "compliment", 0.025),
    "compliment_formal": Structure(compliment_formal, "positive", "compliment", 0.01, casual=False),
    "question_enthusiastic": Structure(question_enthusiastic, "positive", "question", 0.025),
    "positive_other": Structure(positive_other, "positive", "other", 0.03),
    "question_neutral": Structure(question_neutral, "neutral", "question", 0.14),
    "question_formal": Structure(question_formal, "neutral", "question", 0.02, casual=False),
    "news": Structure(news, "neutral", "other", 0.06, casual=False),
    "neutral_note": Structure(neutral_note, "neutral", "other", 0.03),
    "mixed_review": Structure(mixed_review, "neutral", "other", 0.06),
}


# == noise: label-preserving variation ============================================================================

ABBREVIATIONS = {"even": "ff", "inderdaad": "idd", "gewoon": "gwn", "misschien": "mss", "waarschijnlijk": "wss",
                 "in ieder geval": "iig", "trouwens": "trw", "natuurlijk": "tuurlijk", "het": "'t",
                 "volgens mij": "vgm", "bedankt": "thx", "echt": "egt", "jongens": "gasten"}
FLEMISH = {"mooi": "schoon", "leuk": "plezant", "vervelend": "ambetant", "dat is": "da's", "heel goed": "keigoed",
           "zin in": "goesting in", "bedankt": "merci", "heel erg": "kei", "even": "eens"}
# Words a typo must never touch: they carry the negation or contrast that decides the label.
PROTECTED = {"niet", "geen", "nooit", "niks", "nergens", "niemand", "maar", "helemaal", "alleen", "zonder",
             "integendeel"}


def _swap(text: str, table: dict[str, str], rng: random.Random, p: float) -> str:
    """Replace whole words or phrases from the table (each occurrence with probability p), keeping a capital."""
    for old, new in table.items():
        def repl(m: re.Match[str], new: str = new) -> str:
            if rng.random() >= p:
                return m.group(0)
            return cap(new) if m.group(0)[0].isupper() else new
        text = re.sub(rf"\b{re.escape(old)}\b", repl, text, flags=re.IGNORECASE)
    return text


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters
    if op == 1:
        return word[:i] + word[i + 1:]  # drop one
    return word[:i] + word[i] + word[i:]  # double one


def _typos(text: str, rng: random.Random) -> str:
    tokens = text.split(" ")
    candidates = [i for i, t in enumerate(tokens)
                  if len(t) >= 6 and t.isalpha() and t.islower() and t not in PROTECTED]
    for i in rng.sample(candidates, min(len(candidates), 1 if rng.random() < 0.8 else 2)):
        tokens[i] = _typo(tokens[i], rng)
    return " ".join(tokens)


def _lower(text: str) -> str:
    """Everything in lower case except @mentions and links, as people type on a phone."""
    return " ".join(t if t.startswith(("@", "http")) else t.lower() for t in text.split(" "))


def roughen(text: str, rng: random.Random, voice: str, casual: bool) -> str:
    """Flemish words, chat abbreviations, typos, case and punctuation noise; none of it changes the labels."""
    if not casual:  # formal mail and news: at most a rare typo
        return _typos(text, rng) if rng.random() < 0.05 else text
    if voice == "vl":
        text = _swap(text, FLEMISH, rng, 0.7)
    if rng.random() < 0.3:
        text = _swap(text, ABBREVIATIONS, rng, 0.6)
    if rng.random() < 0.1:
        text = _typos(text, rng)
    r = rng.random()
    if r < 0.14:
        text = _lower(text)
    elif r < 0.24 and text[:1].isupper():
        text = text[0].lower() + text[1:]
    if rng.random() < 0.15:
        text = re.sub(r"\.((?: [^\w\s]+| #\w+)*)$", r"\1", text)  # drop the final full stop, even before emoji or tags
    return text


# == generation ===================================================================================================

def dedupe_key(text: str) -> str:
    """Texts that differ only in case, punctuation, emoji or numbers count as the same text."""
    return " ".join(re.sub(r"[\W\d_]+", " ", text.lower()).split())


def quotas(n: int) -> dict[str, int]:
    """Examples per structure, proportional to the weights, summing to exactly n (largest remainder)."""
    total = sum(s.weight for s in STRUCTURES.values())
    exact = {name: s.weight / total * n for name, s in STRUCTURES.items()}
    counts = {name: int(x) for name, x in exact.items()}
    for name in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:n - sum(counts.values())]:
        counts[name] += 1
    return counts


def compose(name: str, rng: random.Random) -> dict:
    """One example of the named structure: a random domain and voice, the clean text, then noise."""
    structure = STRUCTURES[name]
    voice = rng.choices([v for v, _ in VOICE_WEIGHTS], weights=[w for _, w in VOICE_WEIGHTS])[0]
    c = Ctx(rng, rng.choice(DOMAINS), voice)
    clean = structure.build(c)
    return {"text": roughen(clean, rng, voice, structure.casual), "clean": clean,
            "sentiment": structure.sentiment, "intent": structure.intent}


def generate(seed: int = 7, n: int = 2000) -> list[dict]:
    """n labelled examples, the same for the same seed; no two share a text (see ``dedupe_key``)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[dict] = []
    for name, quota in quotas(n).items():
        made, tries = 0, 0
        while made < quota:
            tries += 1
            if tries > 200 * quota + 1000:
                raise RuntimeError(f"structure {name!r}: only {made} distinct texts of {quota}; add building blocks")
            row = compose(name, rng)
            key = dedupe_key(row["clean"])
            if key in seen or dedupe_key(row["text"]) in seen:
                continue
            seen.update({key, dedupe_key(row["text"])})
            rows.append({"text": row["text"], "sentiment": row["sentiment"], "intent": row["intent"]})
            made += 1
    rng.shuffle(rows)
    return rows


def write(rows: list[dict], path: Path = OUT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = generate(args.seed, args.n)
    write(rows, args.out)
    print(f"{len(rows)} examples -> {args.out}")
    for field in ("sentiment", "intent"):
        counts = Counter(r[field] for r in rows)
        print(f"  {field}: " + ", ".join(f"{k} {v} ({v / len(rows):.0%})" for k, v in counts.most_common()))


if __name__ == "__main__":
    main()
