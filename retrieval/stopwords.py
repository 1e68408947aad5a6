"""Stop words of the three languages: Snowball's lists, plus question words and news filler.

Questions are full of words that say what kind of answer is wanted ("what", "hvad", "hva") and
news text of reporting verbs; neither says anything about which passage answers.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DANISH = _words(
    """
    og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi
    min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her
    alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette
    mit også under have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos
    blive mange ad bliver hendes været thi jer sådan hvem hvornår hvorfor hvorledes hvilke
    hvilken hvilket hvordan ifølge blandt andet sagde siger sige fortæller skriver kan får fik
    få ved ske sker skete gøre gør gjorde gå går gik gået hej tak spørgsmål
    """
)

NORWEGIAN = _words(
    """
    og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg men ett
    har om vi min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor
    eller hva skal selv sjøl her alle vil bli ble blei blitt kunne inn når være kom noen noe
    ville dere deres kun ja etter ned skulle denne for deg si sine sitt mot å meget hvorfor
    dette disse uten hvordan ingen din ditt blir samme hvilken hvilke sånn inni mellom vår hver
    hvem vors hvis både bare enn fordi før mange også slik vært båe begge siden dykk dykkar dei
    deira deires deim di då eg ein eit eitt elles honom hjå ho hoe henne hennar hennes hoss
    hossen ingi inkje korleis korso kva kvar kvarhelst kven kvi kvifor me medan mi mine mykje no
    nokon noka nokor noko nokre sia sidan so somt somme um upp vere vore verte vort varte vart
    ifølge blant annet sa sier forteller skriver får fikk få skje skjer skjedde skjedd gjøre
    gjør gjorde gå går gikk gått hei takk spørsmål
    """
)

ENGLISH = _words(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    according regarding tell told say says said saying anything something whether there's what's
    who's it's happen happens happened happening done make makes made get gets got go goes went
    going take takes took thing things much many one hi hello hey please thanks thank quick
    question questions know
    """
)

BY_LANGUAGE = {"da": DANISH, "no": NORWEGIAN, "en": ENGLISH}
SCANDINAVIAN = DANISH | NORWEGIAN
