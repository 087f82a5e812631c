"""The German vocabulary of the large preset: real words with their inflection and their signs.

Plain tables, parsed by ``grammar_de_large``. Nouns: ``lemma gender plural [: signs]`` with
gender m / f / n, ``mw`` for a weak masculine (der mensch, den menschen) and ``pl`` for a
plural-only noun; plural ``=`` is the singular form, ``-`` none (mass noun). Compounds are made
from a head and modifiers (``COMPOUNDS``): they inherit gender and plural from their head and
are signed as the signs of their parts (``regenschauer`` -> REGEN SCHAUER), as DGS signs many
compounds. ``: signs`` names the signs of a word when they are not its own: lowercase items
are other lemmas (their signs), uppercase items are signs; derived words share the sign of
their base (``sonnig`` -> SONNE, ``regnen`` -> REGEN), so there are fewer signs than lemmas.

Verbs: ``infinitive 3sg participle aux`` (aux h = haben, s = sein); a separable verb writes its
particle with ``|`` (``auf|klaren``); ``r`` after the aux marks a reflexive verb. Adjectives:
``lemma [comparative] [: signs]``; ``-`` as the comparative marks one that does not compare.

Every list is in rough order of frequency: the generator draws its head with Zipf-like weights
(the first entries often) and its tail (after a ``~`` line, and the compounds) uniformly and
rarely, which makes the long tail of a real corpus: many words seen once.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# nouns by what the sentence templates do with them

PRECIP = """
regen m -
schauer m =
gewitter n =
schnee m -
niederschlag m niederschläge
hagel m -
graupel m -
schneeregen m - : schnee regen
nieselregen m - : NIESELN regen
sprühregen m - : NIESELN regen
platzregen m - : stark regen
wolkenbruch m wolkenbrüche : wolke BRECHEN
~
starkregen m - : stark regen
dauerregen m - : DAUER regen
regenguss m regengüsse : regen GIESSEN
schneefall m schneefälle : schnee fallen
graupelschauer m = : graupel schauer
hagelschlag m - : hagel SCHLAGEN
eisregen m - : eis regen
landregen m - : land regen
unwetter n = : UNWETTER
starkniederschlag m starkniederschläge : stark niederschlag
"""

SUN = """
sonne f -
sonnenschein m - : sonne
aufheiterung f aufheiterungen : HEITER
sonnenstrahl m sonnenstrahlen : sonne STRAHL
"""

CLOUD = """
wolke f wolken
himmel m -
bewölkung f - : wolke
nebel m -
dunst m -
hochnebel m - : hoch nebel
wolkenfeld n wolkenfelder : wolke feld
~
nebelfeld n nebelfelder : nebel feld
nebelbank f nebelbänke : nebel BANK
wolkendecke f - : wolke DECKE
quellwolke f quellwolken : QUELLEN wolke
schleierwolke f schleierwolken : SCHLEIER wolke
"""

# the sky itself: "es gibt ..." only
SKY = """
wolkenlücke f wolkenlücken : wolke LUECKE
regenbogen m regenbögen : regen BOGEN
dämmerung f - : DAEMMERN
mondschein m - : MOND
sternenhimmel m - : STERN himmel
abendrot n - : abend ROT
morgenrot n - : morgen ROT
"""

WIND = """
wind m winde
böe f böen
sturm m stürme
orkan m orkane
brise f brisen
sturmböe f sturmböen : sturm böe
~
windböe f windböen : wind böe
orkanböe f orkanböen : orkan böe
wirbelsturm m wirbelstürme : WIRBEL sturm
luftzug m - : luft ZIEHEN
seewind m seewinde : see wind
föhn m - : FOEHN
"""

TEMP = """
frost m -
hitze f -
kälte f - : kalt
wärme f - : warm
schwüle f - : schwuel
nachtfrost m - : nacht frost
~
bodenfrost m - : BODEN frost
dauerfrost m - : DAUER frost
frühlingswärme f - : frühling warm
sommerhitze f - : sommer hitze
hitzewelle f hitzewellen : hitze WELLE
kältewelle f kältewellen : kalt WELLE
"""

# temperature values: "die höchstwerte liegen bei zwanzig grad"
VALUES = """
temperatur f temperaturen
höchstwert m höchstwerte : HOECHST WERT
tiefstwert m tiefstwerte : TIEFST WERT
wert m werte
tiefsttemperatur f tiefsttemperaturen : TIEFST temperatur
höchsttemperatur f höchsttemperaturen : HOECHST temperatur
nachttemperatur f nachttemperaturen : nacht temperatur
tagestemperatur f tagestemperaturen : tag temperatur
tageshöchstwert m tageshöchstwerte : tag HOECHST WERT
thermometer n = : THERMOMETER
grad m -
"""

SYSTEM = """
tief n tiefs
hoch n hochs
tiefdruckgebiet n tiefdruckgebiete : tief DRUCK gebiet
hochdruckgebiet n hochdruckgebiete : hoch DRUCK gebiet
luft f -
front f fronten
kaltfront f kaltfronten : kalt front
warmfront f warmfronten : warm front
ausläufer m = : AUSLAEUFER
luftmasse f luftmassen : luft MASSE
polarluft f - : POLAR luft
meeresluft f - : meer luft
mittelmeerluft f - : mittelmeer luft
kaltluft f - : kalt luft
~
warmluft f - : warm luft
tiefausläufer m = : tief AUSLAEUFER
hochdruckeinfluss m - : hoch DRUCK EINFLUSS
tiefdruckeinfluss m - : tief DRUCK EINFLUSS
hochdruckzone f hochdruckzonen : hoch DRUCK ZONE
luftdruck m - : luft DRUCK
störung f störungen : STOEREN
wetterlage f wetterlagen : wetter LAGE
strömung f strömungen : STROEMEN
tiefdruckrinne f tiefdruckrinnen : tief DRUCK RINNE
skandinavienhoch n skandinavienhochs : skandinavien hoch
islandtief n islandtiefs : island tief
azorenhoch n azorenhochs : azoren hoch
gewitterfront f gewitterfronten : gewitter front
regenfront f regenfronten : regen front
"""

HAZARD = """
glätte f - : glatt
glatteis n - : glatt eis
eis n -
reif m -
tau m -
schneedecke f - : schnee DECKE
hochwasser n - : hoch wasser
überschwemmung f überschwemmungen : UEBERSCHWEMMEN
unwettergefahr f - : UNWETTER GEFAHR
waldbrandgefahr f - : wald BRAND GEFAHR
~
lawinengefahr f - : LAWINE GEFAHR
schneeglätte f - : schnee glatt
straßenglätte f - : straße glatt
sturmflut f sturmfluten : sturm FLUT
trockenheit f - : trocken
dürre f - : trocken
pollenflug m - : POLLEN FLIEGEN
nässe f - : nass
aquaplaning n - : AQUAPLANING
schneeverwehung f schneeverwehungen : schnee WEHEN
sturmschaden m sturmschäden : sturm SCHADEN
hagelschaden m hagelschäden : hagel SCHADEN
ozonwert m ozonwerte : OZON WERT
uv-strahlung f - : UV STRAHL
"""

REGION = """
norden m -
süden m -
osten m -
westen m -
nordwesten m - : nord west
nordosten m - : nord ost
südwesten m - : süd west
südosten m - : süd ost
mitte f -
küste f küsten
land n länder
bergland n - : berg land
berg m berge
mittelgebirge n = : MITTEL GEBIRGE
gebirge n = : GEBIRGE
tal n täler
flachland n - : flach land
tiefland n - : tief land
see f -
meer n meere
insel f inseln
region f regionen
gebiet n gebiete
teil m teile
~
landesteil m landesteile : land teil
gipfel m = : GIPFEL
hochlage f hochlagen : hoch LAGE
niederung f niederungen : NIEDRIG
ufer n = : UFER
rand m ränder
stadt f städte
großstadt f großstädte : groß stadt
umland n - : UM land
grenze f grenzen
flussniederung f flussniederungen : fluss NIEDRIG
nordhälfte f - : nord HAELFTE
südhälfte f - : süd HAELFTE
osthälfte f - : ost HAELFTE
westhälfte f - : west HAELFTE
alpenrand m - : alpen rand
küstennähe f - : küste NAH
flussufer n = : fluss UFER
"""

TIME = """
tag m tage
nacht f nächte
abend m abende
morgen m =
vormittag m vormittage : VOR mittag
nachmittag m nachmittage : NACH mittag
mittag m mittage
wochenende n wochenenden : woche ENDE
woche f wochen
stunde f stunden
verlauf m - : VERLAUF
lauf m läufe : VERLAUF
beginn m - : BEGINN
anfang m - : ANFANG
ende n -
montag m montage
dienstag m dienstage
mittwoch m mittwoche
donnerstag m donnerstage
freitag m freitage
samstag m samstage
sonntag m sonntage
monat m monate
jahr n jahre
frühling m - : FRUEHLING
sommer m -
herbst m -
winter m -
januar m -
februar m -
märz m -
april m -
mai m -
juni m -
juli m -
august m -
september m -
oktober m -
november m -
dezember m -
feiertag m feiertage : FEIER tag
ostern n - : OSTERN
pfingsten n - : PFINGSTEN
weihnachten n - : WEIHNACHTEN
silvester n - : SILVESTER
neujahr n - : NEU jahr
jahreswechsel m - : jahr WECHSELN
jahreszeit f jahreszeiten : jahr ZEIT
zeit f zeiten
"""

PEOPLE = """
zuschauer m =
mensch mw menschen
autofahrer m = : AUTO FAHREN
landwirt m landwirte : land WIRT
urlauber m = : URLAUB
wanderer m = : WANDERN
kind n kinder
gärtner m = : GARTEN
allergiker m = : ALLERGIE
skifahrer m = : SKI FAHREN
radfahrer m = : RAD FAHREN
spaziergänger m = : SPAZIEREN
pendler m = : PENDELN
segler m = : SEGELN
~
surfer m = : SURFEN
bauer mw bauern : BAUER
schüler m = : SCHULE
familie f familien
sportler m = : SPORT
badegast m badegäste : baden GAST
camper m = : CAMPEN
winzer m = : WEIN
fischer m = : FISCH
meteorologe mw meteorologen : wetter EXPERTE
gast m gäste
besucher m = : BESUCHEN
reisende pl reisende : reise
fußgänger m = : FUSS GEHEN
motorradfahrer m = : MOTORRAD FAHREN
bergsteiger m = : berg STEIGEN
schwimmer m = : SCHWIMMEN
kleingärtner m = : KLEIN garten
eltern pl eltern : ELTERN
senior m senioren : ALT
hundebesitzer m = : HUND HABEN
läufer m = : LAUFEN
jogger m = : JOGGEN
fan m fans : FAN
feuerwehr f feuerwehren : FEUERWEHR
helfer m = : HELFEN
einsatzkraft f einsatzkräfte : HELFEN
förster m = : wald
imker m = : biene
obstbauer mw obstbauern : OBST BAUER
schiffer m = : SCHIFF
pilot mw piloten : FLIEGEN
fluggast m fluggäste : FLIEGEN gast
bahnreisende pl bahnreisende : BAHN reise
lkw-fahrer m = : LKW FAHREN
wintersportler m = : winter sport
rodler m = : SCHLITTEN
eisläufer m = : eis LAUFEN
wassersportler m = : wasser sport
angler m = : ANGELN
jäger m = : JAGEN
"""

CLOTHING = """
schirm m schirme
regenschirm m regenschirme : regen schirm
jacke f jacken
sonnencreme f - : sonne CREME
sonnenbrille f sonnenbrillen : sonne BRILLE
mütze f mützen
handschuh m handschuhe : HAND SCHUH
mantel m mäntel
regenjacke f regenjacken : regen jacke
gummistiefel m = : GUMMI STIEFEL
schal m schals : SCHAL
pullover m = : PULLOVER
~
sonnenhut m sonnenhüte : sonne HUT
badehose f badehosen : baden HOSE
kleidung f - : KLEIDUNG
winterjacke f winterjacken : winter jacke
schneekette f schneeketten : schnee KETTE
winterreifen m = : winter REIFEN
eiskratzer m = : eis KRATZEN
streusalz n - : STREUEN SALZ
schneeschaufel f schneeschaufeln : schnee SCHAUFEL
thermoskanne f thermoskannen : WARM KANNE
getränk n getränke : TRINKEN
grill m grills
schlitten m = : SCHLITTEN
fahrrad n fahrräder : RAD
sonnenschirm m sonnenschirme : sonne schirm
liegestuhl m liegestühle : LIEGEN STUHL
zelt n zelte
wohnmobil n wohnmobile : WOHNEN AUTO
boot n boote
surfbrett n surfbretter : SURFEN BRETT
schlittschuh m schlittschuhe : eis SCHUH
stiefel m = : STIEFEL
schuh m schuhe
hut m hüte
wasserflasche f wasserflaschen : wasser FLASCHE
decke f decken : DECKE
kamera f kameras : KAMERA
fernglas n ferngläser : FERNGLAS
"""

# roads, transport and houses: "auf den brücken kann es glatt werden"
THING = """
straße f straßen
autobahn f autobahnen : AUTO BAHN
verkehr m - : VERKEHR
garten m gärten
boden m böden
wasser n -
fluss m flüsse
biergarten m biergärten : BIER garten
freibad n freibäder : FREI BAD
strand m strände
auto n autos
zug m züge
flughafen m flughäfen : FLIEGEN HAFEN
piste f pisten
schneemann m schneemänner : schnee MANN
keller m = : KELLER
dach n dächer
fenster n = : FENSTER
heizung f heizungen : HEIZEN
bahn f bahnen
brücke f brücken
tunnel m = : TUNNEL
pass m pässe
hafen m häfen
fähre f fähren
schiff n schiffe
flug m flüge
stau m staus
unfall m unfälle
sperrung f sperrungen : SPERREN
umleitung f umleitungen : UMLEITEN
verspätung f verspätungen : SPAET
baustelle f baustellen : BAUEN STELLE
gehweg m gehwege : GEHEN WEG
radweg m radwege : RAD WEG
parkplatz m parkplätze : PARKEN PLATZ
haus n häuser
wohnung f wohnungen
terrasse f terrassen
balkon m balkone
"""

# plants, animals, the land: "die pflanzen brauchen regen"
NATURE = """
pflanze f pflanzen
natur f -
feld n felder
wald m wälder
baum m bäume
blume f blumen
ernte f ernten
wiese f wiesen
rasen m = : RASEN
garten m gärten
tier n tiere
vogel m vögel
biene f bienen
getreide n - : GETREIDE
obst n -
weinberg m weinberge : WEIN berg
~
obstbaum m obstbäume : obst baum
blüte f blüten : BLUEHEN
laub n - : BLATT
acker m äcker
apfel m äpfel
kirsche f kirschen
erdbeere f erdbeeren : ERDE BEERE
kartoffel f kartoffeln
mais m -
raps m -
weizen m -
rose f rosen
tulpe f tulpen
knospe f knospen
blatt n blätter
gras n gräser
pilz m pilze
frucht f früchte
gemüse n =
rebe f reben : WEIN
traube f trauben
krokus m krokusse
schneeglöckchen n = : schnee GLOCKE
kastanie f kastanien
eiche f eichen : baum
buche f buchen : baum
tanne f tannen : baum
fichte f fichten : baum
linde f linden : baum
birke f birken : baum
wurzel f wurzeln
moos n moose
hecke f hecken
beet n beete
teich m teiche
bach m bäche
quelle f quellen
reh n rehe
hirsch m hirsche
igel m =
frosch m frösche
schmetterling m schmetterlinge
mücke f mücken
wespe f wespen
zecke f zecken
storch m störche
kranich m kraniche
zugvogel m zugvögel : ziehen vogel
"""

# what people do or go to: "das ist gutes wetter für eine wanderung"
EVENT = """
ausflug m ausflüge
spaziergang m spaziergänge : SPAZIEREN
wanderung f wanderungen : WANDERN
radtour f radtouren : RAD TOUR
bootsfahrt f bootsfahrten : BOOT FAHREN
picknick n picknicks : PICKNICK
grillfest n grillfeste : grill FEST
fest n feste
konzert n konzerte
markt m märkte
weihnachtsmarkt m weihnachtsmärkte : weihnachten markt
volksfest n volksfeste : VOLK fest
~
oktoberfest n - : oktober fest
karneval m - : KARNEVAL
umzug m umzüge
fußballspiel n fußballspiele : FUSSBALL SPIEL
spiel n spiele
rennen n = : RENNEN
marathon m marathons : MARATHON
stadtbummel m = : stadt BUMMELN
einkaufsbummel m = : EINKAUFEN BUMMELN
besuch m besuche : BESUCHEN
reise f reisen
urlaub m urlaube
heimreise f heimreisen : HEIM reise
rückreise f rückreisen : ZURUECK reise
ferien pl ferien : FERIEN
sommerferien pl sommerferien : sommer ferien
herbstferien pl herbstferien : herbst ferien
osterferien pl osterferien : ostern ferien
winterurlaub m winterurlaube : winter urlaub
gartenarbeit f gartenarbeiten : garten ARBEIT
schwimmbad n schwimmbäder : SCHWIMMEN BAD
badesee m badeseen : baden SEE
loipe f loipen : LOIPE
skipiste f skipisten : SKI piste
rodelbahn f rodelbahnen : SCHLITTEN bahn
eisbahn f eisbahnen : eis bahn
freibad n freibäder : FREI BAD
biergarten m biergärten : BIER garten
"""

ABSTRACT = """
wetter n -
aussicht f aussichten
vorhersage f vorhersagen
wettervorhersage f wettervorhersagen : wetter vorhersage
entwicklung f entwicklungen : ENTWICKELN
änderung f änderungen : AENDERN
unterschied m unterschiede
warnung f warnungen : WARNEN
unwetterwarnung f unwetterwarnungen : UNWETTER WARNEN
gefahr f gefahren
rekord m rekorde
durchschnitt m durchschnitte
mittel n - : MITTEL
prognose f prognosen : vorhersage
chance f chancen
risiko n risiken
wahrscheinlichkeit f wahrscheinlichkeiten : WAHRSCHEINLICH
regenwahrscheinlichkeit f - : regen WAHRSCHEINLICH
abkühlung f - : kühl
erwärmung f - : warm
besserung f - : gut
wetterbesserung f - : wetter gut
wetterumschwung m - : wetter UMSCHWUNG
wechsel m = : WECHSELN
~
einfluss m einflüsse
nachricht f nachrichten
grund m gründe
mischung f mischungen : MISCHEN
abwechslung f - : WECHSELN
sicht f - : SEHEN
band n bänder : BAND
menge f mengen : MENGE
zone f zonen : ZONE
höhe f höhen : hoch
decke f decken : DECKE
wetterdienst m wetterdienste : wetter DIENST
karte f karten
wetterkarte f wetterkarten : wetter karte
bild n bilder
satellitenbild n satellitenbilder : SATELLIT bild
radarbild n radarbilder : RADAR bild
modell n modelle : MODELL
berechnung f berechnungen : RECHNEN
saison f saisons
bereich m bereiche
raum m räume
schicht f schichten
spitze f spitzen
zahl f zahlen
prozent n prozente : PROZENT
phase f phasen : PHASE
pause f pausen : PAUSE
periode f perioden : PHASE
linie f linien : LINIE
zelle f zellen : ZELLE
wand f wände : WAND
neuschnee m - : neu schnee
lage f lagen
situation f situationen
tendenz f tendenzen
trend m trends
statistik f statistiken
messung f messungen : MESSEN
wetterstation f wetterstationen : wetter STATION
rekordwert m rekordwerte : rekord wert
jahresdurchschnitt m jahresdurchschnitte : jahr durchschnitt
mittelwert m mittelwerte : mittel wert
klima n -
klimawandel m - : klima WECHSELN
sommerzeit f - : sommer zeit
winterzeit f - : winter zeit
zeitumstellung f zeitumstellungen : zeit UMSTELLEN
tageslicht n - : tag LICHT
sonnenaufgang m sonnenaufgänge : sonne AUFGEHEN
sonnenuntergang m sonnenuntergänge : sonne UNTERGEHEN
vollmond m vollmonde : VOLL MOND
polarlicht n polarlichter : POLAR LICHT
sternschnuppe f sternschnuppen : STERN SCHNUPPE
saharastaub m - : SAHARA STAUB
staub m -
luftqualität f - : luft QUALITAET
feinstaub m - : FEIN staub
gesundheit f - : GESUND
kreislauf m kreisläufe : KREISLAUF
kopfschmerz m kopfschmerzen : KOPF SCHMERZ
erkältung f erkältungen : kalt
stimmung f stimmungen
laune f launen
freude f freuden
hoffnung f hoffnungen : hoffen
überraschung f überraschungen : UEBERRASCHEN
ausnahme f ausnahmen
sichtweite f sichtweiten : SEHEN WEIT
"""

# German place names: each is its own sign. ``PLACES`` take no article ("in bayern", "nach
# leipzig"); ``PLACES_ISLANDS`` take "auf"; ``PLACES_ARTICLE``: ``name gender preposition``
# ("an der elbe", "im harz", "in den alpen", "auf der zugspitze"). Frequent ones first.
PLACES = """
deutschland bayern berlin hamburg münchen sachsen thüringen hessen brandenburg niedersachsen
schleswig-holstein mecklenburg-vorpommern nordrhein-westfalen baden-württemberg sachsen-anhalt
köln frankfurt dresden leipzig stuttgart bremen hannover düsseldorf nürnberg vorpommern
franken schwaben oberbayern niederbayern westfalen ostfriesland frankreich polen österreich
dänemark tschechien belgien luxemburg italien skandinavien großbritannien irland island
russland spanien dortmund essen duisburg bochum wuppertal bielefeld bonn münster mannheim
karlsruhe augsburg wiesbaden aachen braunschweig kiel chemnitz halle magdeburg freiburg
krefeld mainz lübeck erfurt rostock kassel potsdam saarbrücken oldenburg osnabrück darmstadt
heidelberg regensburg paderborn ingolstadt würzburg ulm heilbronn pforzheim wolfsburg
göttingen reutlingen koblenz bremerhaven erlangen jena trier siegen hildesheim cottbus
kaiserslautern schwerin gera zwickau flensburg ludwigsburg tübingen konstanz worms
wilhelmshaven marburg neumünster gießen bamberg bayreuth lüneburg celle aschaffenburg
landshut passau rosenheim kempten stralsund greifswald wismar neubrandenburg görlitz bautzen
plauen weimar suhl eisenach gotha nordhausen halberstadt wernigerode stendal wittenberg
eberswalde husum emden cuxhaven lingen goslar wetzlar limburg arnsberg detmold herford
bocholt kleve oberstdorf berchtesgaden lindau friedrichshafen ravensburg sigmaringen
offenburg speyer landau pirmasens zweibrücken bingen cochem bitburg andernach neuwied
garmisch-partenkirchen mittenwald füssen traunstein altötting deggendorf straubing cham
weiden amberg hof coburg schweinfurt kitzingen ansbach dinkelsbühl nördlingen donauwörth
memmingen kaufbeuren biberach sindelfingen böblingen esslingen göppingen aalen crailsheim
mosbach wertheim rastatt lahr lörrach waldshut villingen tuttlingen rottweil balingen
freudenstadt calw nagold horb hechingen ehingen wangen leutkirch isny laupheim blaubeuren
geislingen heidenheim ellwangen schorndorf backnang waiblingen winnenden bietigheim
vaihingen bruchsal bretten sinsheim wiesloch schwetzingen weinheim bensheim heppenheim
viernheim dieburg groß-gerau rüsselsheim hofheim hanau gelnhausen büdingen friedberg
oberursel königstein idstein dillenburg herborn biedenkopf frankenberg korbach alsfeld
lauterbach schlüchtern eschwege witzenhausen hofgeismar melsungen homberg rotenburg bebra
duderstadt einbeck northeim osterode clausthal-zellerfeld seesen holzminden höxter warburg
brilon meschede winterberg schmallenberg olpe attendorn lüdenscheid iserlohn menden soest
lippstadt geseke büren brakel lemgo minden bückeburg stadthagen rinteln hameln springe
wunstorf nienburg verden zeven stade buxtehude otterndorf bremervörde cloppenburg vechta
diepholz sulingen syke delmenhorst wildeshausen westerstede leer aurich esens jever varel
nordenham papenburg meppen haselünne quakenbrück bramsche
erding freising dachau starnberg weilheim penzberg miesbach holzkirchen wasserburg mühldorf
burghausen eggenfelden pfarrkirchen dingolfing vilsbiburg mainburg kelheim abensberg neumarkt
schwandorf nabburg tirschenreuth marktredwitz wunsiedel selb kulmbach lichtenfels kronach
forchheim herzogenaurach schwabach roth weißenburg gunzenhausen eichstätt treuchtlingen
rothenburg feuchtwangen lohr karlstadt gemünden hammelburg haßfurt ochsenfurt miltenberg
alzenau zwiesel grafenau freyung viechtach vilshofen plattling nürtingen kirchheim leonberg
herrenberg rottenburg metzingen münsingen riedlingen pfullendorf überlingen meersburg
tettnang weingarten emmendingen waldkirch breisach müllheim schopfheim rheinfelden
donaueschingen furtwangen triberg wolfach oberkirch achern bühl gaggenau ettlingen
philippsburg hockenheim leimen eberbach buchen walldürn künzelsau öhringen neckarsulm
weinsberg lauffen brackenheim besigheim marbach murrhardt gaildorf gelsenkirchen oberhausen
herne mülheim bottrop recklinghausen marl dorsten haltern gladbeck datteln waltrop lünen unna
kamen hamm werl ahlen beckum oelde warendorf telgte greven emsdetten rheine ibbenbüren
lengerich tecklenburg steinfurt borken coesfeld dülmen gronau ahaus vreden wesel dinslaken
moers geldern goch emmerich xanten viersen nettetal kempen willich mönchengladbach
grevenbroich neuss dormagen leverkusen solingen remscheid velbert hilden langenfeld monheim
mettmann ratingen kerpen bergheim pulheim frechen hürth brühl euskirchen mechernich
monschau düren jülich heinsberg erkelenz eschweiler stolberg alsdorf siegburg troisdorf
hennef bornheim rheinbach königswinter gummersbach wipperfürth uelzen gifhorn peine
salzgitter wolfenbüttel helmstedt burgdorf lehrte sarstedt garbsen walsrode soltau munster
winsen buchholz heide meldorf büsum itzehoe elmshorn pinneberg wedel norderstedt ahrensburg
geesthacht ratzeburg mölln eutin plön preetz rendsburg eckernförde schleswig kappeln niebüll
tönning wittenberge perleberg neuruppin oranienburg bernau strausberg fürstenwalde
eisenhüttenstadt guben forst spremberg senftenberg finsterwalde luckenwalde jüterbog rathenow
nauen falkensee zossen lübben schwedt prenzlau templin angermünde pasewalk ueckermünde anklam
wolgast demmin teterow güstrow waren parchim ludwigslust hagenow grevesmühlen bergen sassnitz
barth meißen riesa großenhain radebeul pirna freital freiberg döbeln mittweida grimma wurzen
torgau eilenburg delitzsch borna zittau löbau kamenz hoyerswerda weißwasser niesky marienberg
aue schwarzenberg oelsnitz reichenbach auerbach glauchau crimmitschau werdau ilmenau arnstadt
sondershausen mühlhausen sömmerda apolda rudolstadt saalfeld schleiz greiz altenburg
schmalkalden meiningen sonneberg hildburghausen dessau bernburg köthen bitterfeld naumburg
weißenfels zeitz merseburg sangerhausen eisleben aschersleben quedlinburg blankenburg
haldensleben schönebeck zerbst salzwedel gardelegen tangermünde havelberg neunkirchen homburg
saarlouis merzig völklingen dillingen lebach kusel idar-oberstein birkenfeld simmern boppard
bacharach lahnstein diez westerburg hachenburg betzdorf montabaur alzey ingelheim oppenheim
frankenthal grünstadt germersheim kandel
"""

PLACES_ISLANDS = """
rügen sylt usedom fehmarn föhr amrum norderney borkum juist langeoog spiekeroog wangerooge
pellworm hiddensee poel
"""

PLACES_ARTICLE = """
alpen pl in
nordsee f an
ostsee f an
rhein m an
schwarzwald m in
erzgebirge n in
harz m in
eifel f in
elbe f an
donau f an
oder f an
main m an
bodensee m an
allgäu n in
emsland n in
oberrhein m an
niederrhein m an
lausitz f in
sauerland n in
taunus m in
odenwald m in
spessart m in
rhön f in
hunsrück m in
westerwald m in
vogtland n in
fichtelgebirge n in
oberpfalz f in
bayerwald m in
saarland n in
schweiz f in
niederlande pl in
atlantik m über
mittelmeer n über
azoren pl über
zugspitze f auf
brocken m auf
feldberg m auf
mosel f an
neckar m an
weser f an
ems f an
saale f an
havel f an
spree f an
isar f an
inn m an
lech m an
ruhr f an
lippe f an
nahe f an
ahr f an
lahn f an
fulda f an
werra f an
neiße f an
uckermark f in
prignitz f in
altmark f in
münsterland n in
breisgau m in
kraichgau m in
chiemsee m an
müritz f an
ammersee m an
darß m auf
"""

# Compounds made from the nouns above: ``head: modifiers``. A modifier is a noun or adjective
# lemma (its compound stem from ``STEMS`` where it changes) or a direction.
COMPOUNDS = """
schauer: schnee gewitter hagel regen
schicht: nebel wolke dunst schnee eis
temperatur: boden luft wasser meer
tief: sturm regen mittelmeer
hoch: russland sommer winter
zeit: mittag ernte blüte ferien urlaub
saison: bade ski garten grill urlaub
bereich: küste berg tal alpen
lage: hochdruck schnee
gewitter: sommer hitze wärme schnee winter
regen: sommer herbst winter gewitter
front: schnee sturm wetter
gebiet: regen schnee wolke nebel niederschlag sturm gewitter
feld: regen schnee gewitter
band: regen wolke schnee gewitter
menge: regen schnee niederschlag
zone: regen schnee nebel
wolke: regen schnee gewitter
tag: regen sommer winter sonne herbst frühling frost nebel
nacht: frost sommer winter sturm
abend: sommer winter herbst frühling
morgen: sonntag montag dienstag mittwoch donnerstag freitag samstag
abend: sonntag montag dienstag mittwoch donnerstag freitag samstag
nachmittag: sonntag montag dienstag mittwoch donnerstag freitag samstag
vormittag: sonntag montag dienstag mittwoch donnerstag freitag samstag
nacht: sonntag montag dienstag mittwoch donnerstag freitag samstag
stunde: morgen abend nacht nachmittag vormittag mittag sonne
wetter: regen sommer winter herbst frühling april gewitter schnee bade ausflug ski urlaub
wetter: hochdruck schmuddel
luft: sommer winter frühling herbst
wind: nord süd ost west nordwest nordost südwest südost see land berg tal
sturm: herbst winter schnee hagel
glätte: frost eis
gefahr: glätte frost gewitter sturm hochwasser nebel
warnung: sturm frost gewitter glätte hitze hochwasser
wert: temperatur nacht
rekord: hitze kälte temperatur regen
grenze: schnee frost nebel wolke
höhe: schnee wolke
decke: nebel
himmel: abend nacht winter sommer
sonne: winter frühling herbst abend morgen mittag märz april
deutschland: nord süd ost west mittel nordwest nordost südwest südost
bayern: nord süd ost west
hessen: nord süd ost mittel
sachsen: nord süd ost west
küste: nordsee ostsee nord ost
alpen: nord süd ost west
eifel: nord süd
"""

# Productive compounding: ``modifiers | heads``, every modifier with every head (German makes
# such compounds freely: "novembernebel", "frühlingssonne", "gewitterpause", "talnebel").
COMPOUND_MATRIX = """
januar februar märz april mai juni juli august september oktober november dezember | wetter sonne
januar februar märz april mai juni juli august september oktober november dezember | tag nacht
januar februar märz april mai juni juli august september oktober november dezember | abend nebel
januar februar märz april mai juni juli august september oktober november dezember | sturm regen
januar februar märz april mai juni juli august september oktober november dezember | schnee hitze
januar februar märz april mai juni juli august september oktober november dezember | kälte wärme
januar februar märz april mai juni juli august september oktober november dezember | luft frost
januar februar märz april mai juni juli august september oktober november dezember | wind himmel
januar februar märz april mai juni juli august september oktober november dezember | gewitter
frühling sommer herbst winter | wetter sonne tag nacht abend nebel sturm regen schnee hitze kälte
frühling sommer herbst winter | wärme luft frost wind himmel gewitter
morgen vormittag mittag nachmittag abend nacht | nebel gewitter regen himmel temperatur wind
morgen vormittag mittag nachmittag abend nacht | kälte luft schauer
morgen vormittag mittag nachmittag abend | sonne
berg tal küste see land wald | nebel wind wetter luft regen schnee
boden | nebel
fluss meer | nebel
regen schnee hagel gewitter sturm nebel frost hitze kälte glätte | gefahr warnung risiko
regen schnee gewitter sturm frost hitze kälte | phase pause periode lage
schnee nebel frost | grenze
regen schnee hagel gewitter | zelle linie zone front gebiet
sturm orkan | front gebiet zone
regen nebel wolke | wand
hochwasser | gefahr warnung lage
frost | periode
"""

# compound stems that differ from the lemma
STEMS = """
sonne sonnen
wolke wolken
tag tages
woche wochen
niederschlag niederschlags
frühling frühlings
hochwasser hochwasser
straße straßen
küste küsten
meer meeres
glätte glätte
hitze hitze
kälte kälte
wärme wärme
temperatur temperatur
nachmittag nachmittags
vormittag vormittags
mittag mittags
bade bade
ausflug ausflugs
urlaub urlaubs
hochdruck hochdruck
schmuddel schmuddel
nordsee nordsee
ostsee ostsee
mittel mittel
nachmittag nachmittags
vormittag vormittags
mittag mittags
frühling frühlings
land land
fluss fluss
hagel hagel
orkan orkan
ernte ernte
blüte blüte
ferien ferien
garten garten
grill grill
berg berg
boden boden
mittelmeer mittelmeer
russland russland
"""

# modifiers that are not lemmas of the tables above, with their signs
MODIFIER_SIGNS = """
nord NORD
süd SUED
ost OST
west WEST
nordwest NORD WEST
nordost NORD OST
südwest SUED WEST
südost SUED OST
bade BADEN
ausflug AUSFLUG
ski SKI
urlaub URLAUB
hochdruck HOCH DRUCK
schmuddel SCHMUTZIG
mittel MITTE
ernte ERNTE
blüte BLUEHEN
ferien FERIEN
garten GARTEN
grill GRILL
"""

# ---------------------------------------------------------------------------------------------
# verbs: infinitive 3sg participle aux [r]

# impersonal weather verbs: "es regnet"
V_IMPERSONAL = """
regnen regnet geregnet h : regen
schneien schneit geschneit h : schnee
nieseln nieselt genieselt h : NIESELN
gewittern gewittert gewittert h : gewitter
graupeln graupelt gegraupelt h : graupel
hageln hagelt gehagelt h : hagel
auf|klaren klart aufgeklart h : KLAR
stürmen stürmt gestürmt h : sturm
donnern donnert gedonnert h : DONNER
blitzen blitzt geblitzt h : BLITZ
tauen taut getaut h : TAUEN
frieren friert gefroren h : frost
schütten schüttet geschüttet h : stark regen
tröpfeln tröpfelt getröpfelt h : TROPFEN
auf|heitern heitert aufgeheitert h : HEITER
ab|kühlen kühlt abgekühlt h : kühl
"""

# verbs of precipitation nouns (subject): "der regen zieht ab"
V_PRECIP = """
fallen fällt gefallen s
ab|ziehen zieht abgezogen s : ziehen WEG
auf|ziehen zieht aufgezogen s : ziehen KOMMEN
durch|ziehen zieht durchgezogen s : ziehen DURCH
nach|lassen lässt nachgelassen h : NACHLASSEN
ab|klingen klingt abgeklungen s : NACHLASSEN
auf|kommen kommt aufgekommen s : kommen
ein|setzen setzt eingesetzt h : BEGINNEN
auf|hören hört aufgehört h : AUFHOEREN
aus|breiten breitet ausgebreitet h r : AUSBREITEN
nieder|gehen geht niedergegangen s : fallen
über|greifen greift übergegriffen h : UEBERGREIFEN
entstehen entsteht entstanden s : ENTSTEHEN
bilden bildet gebildet h r : ENTSTEHEN
"""

V_SUN = """
scheinen scheint geschienen h
zeigen zeigt gezeigt h r
durch|setzen setzt durchgesetzt h r : DURCHSETZEN
durch|kommen kommt durchgekommen s : kommen DURCH
"""

V_CLOUD = """
auf|lockern lockert aufgelockert h r : AUFLOCKERN
auf|lösen löst aufgelöst h r : AUFLOESEN
halten hält gehalten h r
verdichten verdichtet verdichtet h r : VERDICHTEN
lichten lichtet gelichtet h r : AUFLOESEN
ab|ziehen zieht abgezogen s : ziehen WEG
auf|reißen reißt aufgerissen s : AUFREISSEN
auf|ziehen zieht aufgezogen s : ziehen KOMMEN
bilden bildet gebildet h r : ENTSTEHEN
"""

V_WIND = """
wehen weht geweht h
auf|frischen frischt aufgefrischt h : frisch
nach|lassen lässt nachgelassen h : NACHLASSEN
drehen dreht gedreht h : DREHEN
zu|nehmen nimmt zugenommen h : ZUNEHMEN
ab|flauen flaut abgeflaut s : NACHLASSEN
blasen bläst geblasen h : wehen
legen legt gelegt h r : NACHLASSEN
"""

# verbs of lasting states: "die hitze hält an"
V_STATE = """
an|halten hält angehalten h : DAUER
zu|nehmen nimmt zugenommen h : ZUNEHMEN
ab|nehmen nimmt abgenommen h : ABNEHMEN
nach|lassen lässt nachgelassen h : NACHLASSEN
halten hält gehalten h r
verschwinden verschwindet verschwunden s : VERSCHWINDEN
ab|trocknen trocknet abgetrocknet s : trocken
gefrieren gefriert gefroren s : frost
schmelzen schmilzt geschmolzen s : SCHMELZEN
an|steigen steigt angestiegen s : steigen
aus|bleiben bleibt ausgeblieben s : kommen NICHT
ein|treffen trifft eingetroffen s : ANKOMMEN
vor|dringen dringt vorgedrungen s : VORDRINGEN
weiter|ziehen zieht weitergezogen s : ziehen WEITER
auf|treten tritt aufgetreten s : AUFTRETEN
vor|kommen kommt vorgekommen s : VORKOMMEN
ein|stellen stellt eingestellt h r : kommen
entwickeln entwickelt entwickelt h r : ENTWICKELN
ab|zeichnen zeichnet abgezeichnet h r : ZEIGEN
fort|setzen setzt fortgesetzt h r : WEITER
verstärken verstärkt verstärkt h r : stark
beruhigen beruhigt beruhigt h r : ruhig
erwärmen erwärmt erwärmt h r : warm
zurück|kehren kehrt zurückgekehrt s : ZURUECK kommen
"""

V_TEMP = """
steigen steigt gestiegen s
sinken sinkt gesunken s
liegen liegt gelegen h
erreichen erreicht erreicht h
klettern klettert geklettert s : steigen
zurück|gehen geht zurückgegangen s : sinken
fallen fällt gefallen s
"""

V_SYSTEM = """
bringen bringt gebracht h
sorgen sorgt gesorgt h
bestimmen bestimmt bestimmt h
heran|ziehen zieht herangezogen s : ziehen KOMMEN
ziehen zieht gezogen s
ab|schwächen schwächt abgeschwächt h r : SCHWACH
verlagern verlagert verlagert h r : VERSCHIEBEN
streifen streift gestreift h
überqueren überquert überquert h : UEBERQUEREN
erreichen erreicht erreicht h
aus|dehnen dehnt ausgedehnt h r : AUSBREITEN
nähern nähert genähert h r : NAH
"""

# verbs of the commentary sentences
V_OTHER = """
geben gibt gegeben h
kommen kommt gekommen s
bleiben bleibt geblieben s
erwarten erwartet erwartet h
rechnen rechnet gerechnet h
freuen freut gefreut h r
müssen muss gemusst h
können kann gekonnt h
sollen soll gesollt h
dürfen darf gedurft h
sehen sieht gesehen h
wünschen wünscht gewünscht h
vergessen vergisst vergessen h
mit|nehmen nimmt mitgenommen h : NEHMEN MIT
ein|packen packt eingepackt h : EINPACKEN
lohnen lohnt gelohnt h r : LOHNEN
ändern ändert geändert h r
genießen genießt genossen h : GENIESSEN
nutzen nutzt genutzt h : NUTZEN
aufpassen passt aufgepasst h : AUFPASSEN
planen plant geplant h : PLANEN
brauchen braucht gebraucht h
fahren fährt gefahren s
wandern wandert gewandert s
baden badet gebadet h
gehen geht gegangen s
warten wartet gewartet h
hoffen hofft gehofft h
wechseln wechselt gewechselt h
zeigen zeigt gezeigt h
melden meldet gemeldet h
messen misst gemessen h
vor|haben hat vorgehabt h : PLANEN
besuchen besucht besucht h
feiern feiert gefeiert h
grillen grillt gegrillt h
spazieren spaziert spaziert s
ein|kaufen kauft eingekauft h : EINKAUFEN
reisen reist gereist s : reise
fliegen fliegt geflogen s
arbeiten arbeitet gearbeitet h
mähen mäht gemäht h
gießen gießt gegossen h
pflanzen pflanzt gepflanzt h : pflanze
ernten erntet geerntet h : ernte
blühen blüht geblüht h : BLUEHEN
wachsen wächst gewachsen s
leiden leidet gelitten h
schützen schützt geschützt h
tragen trägt getragen h
an|ziehen zieht angezogen h : KLEIDUNG
verschieben verschiebt verschoben h
ab|sagen sagt abgesagt h : ABSAGEN
aus|fallen fällt ausgefallen s : ABSAGEN
statt|finden findet stattgefunden h : STATTFINDEN
streuen streut gestreut h
räumen räumt geräumt h
schwitzen schwitzt geschwitzt h
erholen erholt erholt h r
sonnen sonnt gesonnt h r : sonne
profitieren profitiert profitiert h
segeln segelt gesegelt h
rodeln rodelt gerodelt h : SCHLITTEN
surfen surft gesurft h
"""

# ---------------------------------------------------------------------------------------------
# adjectives: lemma [comparative] [: signs]

ADJ_WEATHER = """
sonnig sonniger : sonne
trocken trockener
freundlich freundlicher
wolkig wolkiger : wolke
bewölkt - : wolke
heiter heiterer
nass nasser
windig windiger : wind
stürmisch stürmischer : sturm
neblig nebliger : nebel
regnerisch regnerischer : regen
wechselhaft wechselhafter : WECHSELN
unbeständig unbeständiger : WECHSELN
schwül schwüler
frostig frostiger : frost
kühl kühler
kalt kälter
warm wärmer
mild milder
heiß heißer
feucht feuchter
sommerlich sommerlicher : sommer
herbstlich herbstlicher : herbst
winterlich winterlicher : winter
frühlingshaft frühlingshafter : frühling
trüb trüber
grau grauer
klar klarer
bedeckt - : wolke DECKE
diesig diesiger : dunst
glatt glatter
rutschig rutschiger : glatt
~
frisch frischer
angenehm angenehmer
ungemütlich ungemütlicher : GEMUETLICH NICHT
herrlich herrlicher
prächtig prächtiger : herrlich
strahlend - : sonne STRAHL
sonnenreich - : sonne VIEL
niederschlagsfrei - : niederschlag FREI
gewittrig gewittriger : gewitter
schaurig - : schauer
böig böiger : wind
sternklar - : STERN klar
wolkenlos - : wolke OHNE
eisig - : eis
bitterkalt - : kalt
lau lauer : warm
lauwarm - : warm
hochsommerlich - : sommer
spätsommerlich - : spät sommer
frühsommerlich - : früh sommer
spätherbstlich - : spät herbst
tropisch - : TROPISCH
drückend - : schwül
schwülwarm - : schwül warm
nasskalt - : nass kalt
feuchtkalt - : feucht kalt
trist - : TRIST
düster düsterer : dunkel
dunkel dunkler
hell heller
locker lockerer
aufgelockert - : AUFLOCKERN
dunstig - : dunst
verregnet - : regen
staubtrocken - : trocken
frostfrei - : frost FREI
schneefrei - : schnee FREI
schneereich - : schnee VIEL
regenreich - : regen VIEL
wolkenverhangen - : wolke
unwetterartig - : UNWETTER
schauerartig - : schauer
aprilhaft - : april
regenfrei - : regen FREI
gewitterfrei - : gewitter FREI
sonnenarm - : sonne wenig
wolkenarm - : wolke wenig
niederschlagsarm - : niederschlag wenig
windarm - : wind wenig
schneearm - : schnee wenig
frostklar - : frost klar
sommerwarm - : sommer warm
frühherbstlich - : früh herbst
spätwinterlich - : spät winter
vorfrühlingshaft - : VOR frühling
föhnig - : föhn
bleiern - : grau
unterkühlt - : kühl
klamm - : feucht
feuchtwarm - : feucht warm
launisch - : laune
stabil - : STABIL
labil - : LABIL
turbulent - : TURBULENT
gemäßigt - : MAESSIG
rau rauer
polar - : POLAR
arktisch - : ARKTIS
subtropisch - : TROPISCH
glühend - : heiß
brütend - : heiß
sengend - : heiß
erträglich - : ERTRAEGLICH
unerträglich - : ERTRAEGLICH NICHT
behaglich - : GEMUETLICH
gemütlich gemütlicher : GEMUETLICH
finster - : dunkel
"""

ADJ_DEGREE = """
stark stärker
schwach schwächer
mäßig - : MAESSIG
kräftig kräftiger
leicht leichter
dicht dichter
einzeln - : EINZELN
vereinzelt - : EINZELN
gering geringer
hoch höher
tief tiefer
niedrig niedriger
groß größer
klein kleiner
viel mehr
wenig weniger
lang länger
kurz kürzer
~
schwer schwerer
heftig heftiger
ergiebig ergiebiger : VIEL
anhaltend - : DAUER
örtlich - : ORT
gelegentlich - : MANCHMAL
kurzzeitig - : kurz
erheblich - : VIEL
deutlich deutlicher
spürbar - : SPUEREN
extrem - : EXTREM
ungewöhnlich - : NORMAL NICHT
außergewöhnlich - : BESONDERS
enorm - : VIEL
massiv - : stark
rasch rascher : schnell
zügig zügiger : schnell
zäh zäher : langsam
streng strenger
hartnäckig - : STUR
gefühlt - : FUEHLEN
flächendeckend - : überall
"""

ADJ_OTHER = """
gut besser
schön schöner
nächst - : NAECHSTE
neu neuer
letzt - : LETZTE
ganz - : GANZ
ähnlich - : AEHNLICH
normal - : NORMAL
ideal - : IDEAL
perfekt - : IDEAL
gefährlich gefährlicher : gefahr
unangenehm unangenehmer : angenehm NICHT
ruhig ruhiger
windstill - : wind STILL
still stiller
unruhig - : ruhig NICHT
gewaltig - : VIEL
ordentlich - : ORDENTLICH
reichlich - : VIEL
spärlich - : wenig
durchwachsen - : WECHSELN
gemischt - : MISCHEN
wechselnd - : WECHSELN
lieb - : LIEB
~
spät später
früh früher
schnell schneller
langsam langsamer
nördlich - : nord
südlich - : süd
östlich - : ost
westlich - : west
nordöstlich - : nord ost
nordwestlich - : nord west
südöstlich - : süd ost
südwestlich - : süd west
kommend - : kommen
folgend - : FOLGEN
weit weiter
ausgedehnt - : AUSBREITEN
atlantisch - : atlantik
skandinavisch - : skandinavien
kontinental - : KONTINENT
mediterran - : mittelmeer
schlecht schlechter
toll - : TOLL
wunderbar - : TOLL
traumhaft - : TRAUM
wichtig - : WICHTIG
dringend - : DRINGEND
möglich - : MOEGLICH
wahrscheinlich - : WAHRSCHEINLICH
sicher - : SICHER
typisch - : TYPISCH
alt älter
aktuell - : JETZT
einmalig - : EINMAL
regional - : region
lokal - : ORT
überregional - : region GROSS
bundesweit - : deutschland GANZ
europaweit - : EUROPA GANZ
nächtlich - : nacht
morgendlich - : morgen
abendlich - : abend
täglich - : tag
mittelfristig - : MITTEL zeit
langfristig - : lang zeit
dauerhaft - : DAUER
minimal - : wenig
maximal - : HOECHST
durchschnittlich - : durchschnitt
überdurchschnittlich - : durchschnitt UEBER
unterdurchschnittlich - : durchschnitt UNTER
rekordverdächtig - : rekord
historisch - : GESCHICHTE
außerordentlich - : BESONDERS
bemerkenswert - : BESONDERS
erstaunlich - : überraschung
überraschend - : überraschung
unerwartet - : überraschung
erfreulich - : freude
ärgerlich - : AERGER
kritisch - : KRITISCH
ernst - : ERNST
harmlos - : HARMLOS
riskant - : risiko
unsicher - : SICHER NICHT
ungewiss - : SICHER NICHT
unwahrscheinlich - : WAHRSCHEINLICH NICHT
fraglich - : FRAGE
offen - : OFFEN
eindeutig - : klar
untypisch - : TYPISCH NICHT
üblich - : NORMAL
ungewohnt - : NORMAL NICHT
restlich - : REST
gesamt - : GANZ
zahlreich - : VIEL
unzählig - : VIEL
selten seltener
jung jünger
"""

# adjectives of regions: "im norddeutschen flachland", "in den bayerischen alpen"
ADJ_REGION = """
norddeutsch - : nord deutschland
süddeutsch - : süd deutschland
ostdeutsch - : ost deutschland
westdeutsch - : west deutschland
mitteldeutsch - : MITTE deutschland
bayerisch - : bayern
sächsisch - : sachsen
thüringisch - : thüringen
hessisch - : hessen
fränkisch - : franken
schwäbisch - : schwaben
westfälisch - : westfalen
ostfriesisch - : ostfriesland
pfälzisch - : PFALZ
badisch - : BADEN
brandenburgisch - : brandenburg
niedersächsisch - : niedersachsen
mecklenburgisch - : MECKLENBURG
holsteinisch - : HOLSTEIN
rheinisch - : rhein
"""

# ---------------------------------------------------------------------------------------------
# adverbs (uninflected): lemma [: signs]

ADV_TIME = """
heute
morgen
übermorgen
später
zunächst : ZUERST
anfangs : ANFANG
dann
danach
abends : abend
nachts : nacht
morgens : morgen
tagsüber : tag
vormittags : VOR mittag
nachmittags : NACH mittag
~
bald
jetzt
nun : jetzt
zeitweise : MANCHMAL
vorübergehend : KURZ
allmählich : LANGSAM
inzwischen : jetzt
künftig : ZUKUNFT
mittags : mittag
spätabends : spät abend
frühmorgens : früh morgen
demnächst : bald
"""

# times in the past, for the retrospective sentences: "gestern hat es geregnet"
PAST_TIMES = """
gestern
vorgestern
in der vergangenen nacht
in den letzten tagen
am vergangenen wochenende
in der letzten woche
bisher
heute früh
heute morgen
in diesem jahr
"""

ADV_OTHER = """
auch
noch
wieder
meist : MEISTENS
oft
häufig : oft
überall
sonst
verbreitet : UEBERALL
stellenweise : ORT
gebietsweise : gebiet
vielerorts : ORT VIEL
landesweit : land GANZ
immer
sehr
etwas
ziemlich
recht : ZIEMLICH
besonders
nur
fast
eher
weiterhin : WEITER
außerdem : AUCH
~
jedoch : ABER
allerdings : ABER
leider
zudem : AUCH
trotzdem
insgesamt : GANZ
dort
hier
bereits : SCHON
schon
erst
kaum
teilweise : TEIL
selten
weitgehend : MEISTENS
überwiegend : MEISTENS
größtenteils : MEISTENS
zumeist : MEISTENS
nochmals : wieder
erneut : wieder
abermals : wieder
kurzfristig : kurz
voraussichtlich : VORAUSSICHTLICH
vermutlich : VERMUTEN
möglicherweise : MOEGLICH
eventuell : VIELLEICHT
vielleicht
sicherlich : SICHER
tatsächlich : WIRKLICH
wirklich
endlich
zunehmend : ZUNEHMEN
mehrfach : oft
wiederholt : wieder
nirgends : NIRGENDS
vorerst : ZUERST
zwischendurch : ZWISCHENDURCH
bisweilen : MANCHMAL
mitunter : MANCHMAL
stundenweise : stunde
zeitweilig : MANCHMAL
anschließend : danach
zuvor : VORHER
vorher
nachher : danach
daneben : DANEBEN
ringsum : überall
nordwärts : nord
südwärts : süd
ostwärts : ost
westwärts : west
landeinwärts : land HINEIN
seewärts : see
talwärts : tal
streckenweise : STRECKE
vorwiegend : MEISTENS
hauptsächlich : MEISTENS
vornehmlich : MEISTENS
teils : TEIL
ebenfalls : auch
gleichfalls : auch
ebenso : auch
genauso : GLEICH
anders : ANDERS
dennoch : trotzdem
dafür : DAFUER
dagegen : DAGEGEN
hingegen : DAGEGEN
wiederum : wieder
schließlich : endlich
letztlich : endlich
zuletzt : LETZTE
erstmals : ERSTE MAL
mittlerweile : jetzt
nahezu : fast
beinahe : fast
knapp : KNAPP
rund : UNGEFAEHR
etwa : UNGEFAEHR
ungefähr : UNGEFAEHR
höchstens : HOECHST
mindestens : MINDESTENS
wenigstens : MINDESTENS
gerade : GERADE
genau : GENAU
überhaupt : UEBERHAUPT
durchaus : wirklich
jedenfalls : JEDENFALLS
ohnehin : SOWIESO
sowieso : SOWIESO
womöglich : MOEGLICH
wohl : WAHRSCHEINLICH
offenbar : OFFENBAR
glücklicherweise : GLUECK
erfreulicherweise : freude
bedauerlicherweise : leider
draußen : DRAUSSEN
oben : OBEN
unten : UNTEN
nirgendwo : NIRGENDS
anderswo : ANDERS ORT
"""

# simple past (3rd person singular) of the strong and irregular verbs above; weak verbs form
# theirs by rule (regnen -> regnete, lockern -> lockerte)
STRONG_PAST = """
fallen fiel
ziehen zog
lassen ließ
klingen klang
kommen kam
gehen ging
greifen griff
entstehen entstand
scheinen schien
halten hielt
reißen riss
nehmen nahm
blasen blies
steigen stieg
sinken sank
liegen lag
bringen brachte
geben gab
bleiben blieb
müssen musste
können konnte
sollen sollte
dürfen durfte
sehen sah
vergessen vergaß
genießen genoss
fahren fuhr
messen maß
haben hatte
fliegen flog
gießen goss
wachsen wuchs
leiden litt
tragen trug
schieben schob
finden fand
frieren fror
schmelzen schmolz
treffen traf
dringen drang
treten trat
schwinden schwand
gefrieren gefror
"""
